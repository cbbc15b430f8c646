"""The runtime's section of the caikit configuration (see ``config.yml`` beside this file)."""
import os

#: Read by caikit.config through the ``caikit.config_defaults`` entry point.
DEFAULTS_PATH = os.path.join(os.path.dirname(__file__), "config.yml")
