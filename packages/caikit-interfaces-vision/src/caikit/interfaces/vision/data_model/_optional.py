"""Lazy access to Pillow and NumPy, the optional ``pillow`` extra of caikit-interfaces-vision.

They are imported only when a conversion needs them, so importing the vision data model stays
cheap and works without them.
"""
import importlib
from types import ModuleType

_EXTRA_HINT = 'install it with: pip install "caikit-interfaces-vision[pillow]"'


class MissingExtraError(ImportError):
    """An optional dependency of an image conversion is not installed.

    Attributes:
        module: the module that could not be imported (``PIL`` or ``numpy``).
        purpose: what it was needed for.
    """

    def __init__(self, module: str, purpose: str):
        self.module = module
        self.purpose = purpose
        super().__init__(f"{purpose} needs {module!r}, which is not installed; {_EXTRA_HINT}")


def pil_image_module(purpose: str) -> ModuleType:
    """Return ``PIL.Image``.

    Raises:
        MissingExtraError: Pillow is not installed.
    """
    return _load("PIL.Image", "PIL", purpose)


def numpy_module(purpose: str) -> ModuleType:
    """Return ``numpy``.

    Raises:
        MissingExtraError: NumPy is not installed.
    """
    return _load("numpy", "numpy", purpose)


def _load(name: str, top: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise MissingExtraError(top, purpose) from err
