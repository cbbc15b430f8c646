"""The runtime's section of the caikit configuration (see ``config.yml`` beside this file).

caikit.config reads :data:`DEFAULTS` through the ``caikit.config_defaults`` entry point. It is
the parsed ``config.yml``, parsed with libyaml's C loader when available: the pure-Python
parser would spend milliseconds of every start-up on this file.
"""
import os
from typing import Any, Dict

#: The YAML file holding the runtime's defaults (documented, one comment per key)
DEFAULTS_PATH = os.path.join(os.path.dirname(__file__), "config.yml")


def _load_defaults() -> Dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(DEFAULTS_PATH, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


#: The runtime's defaults, as a mapping
DEFAULTS: Dict[str, Any] = _load_defaults()
