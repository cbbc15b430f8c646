"""``Image``: an encoded image (PNG, JPEG, ...) carried as bytes, with conversions.

The message holds only the encoded bytes (``image_data = 1`` in ``caikit_data_model.vision``),
so an ``Image`` crosses gRPC and HTTP (base64 in JSON) unchanged. Conversions from and to files
and base64 are pure Python; conversions from and to Pillow images and NumPy arrays import those
libraries only when called (the ``pillow`` extra).
"""
import base64
import binascii
import io
import os
import pathlib
from typing import TYPE_CHECKING, Any, BinaryIO, Optional, Tuple, Union

from caikit.core.data_model import DataObjectBase, dataobject

from . import _sniff
from ._optional import numpy_module, pil_image_module
from .package import VISION_PACKAGE

if TYPE_CHECKING:  # pragma: no cover
    import numpy
    import PIL.Image

ImageSource = Union[bytes, bytearray, memoryview, str, os.PathLike, "Image", Any]

DEFAULT_FORMAT = "PNG"


@dataobject(package=VISION_PACKAGE)
class Image(DataObjectBase):
    """An image, stored as its encoded bytes.

    ``Image(source)`` accepts encoded bytes, a file path (``str`` or ``os.PathLike``), another
    ``Image``, a ``PIL.Image.Image`` or a NumPy array (the last two need the ``pillow`` extra
    and are encoded as PNG). Base64 text goes through ``Image.from_base64``.

    Attributes:
        image_data: the encoded image bytes.
    """

    image_data: bytes

    def __init__(self, image_data: ImageSource = b""):
        self.image_data = _encoded_bytes(image_data)

    # -- constructors ----------------------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: Union[bytes, bytearray, memoryview]) -> "Image":
        """An image from its encoded bytes (kept as they are)."""
        return cls(bytes(data))

    @classmethod
    def from_file(cls, file: Union[str, os.PathLike, BinaryIO]) -> "Image":
        """An image from an image file (its bytes are kept as they are).

        Args:
            file: a path, or a binary file object to read to its end (the form caikit's
                ``DataBase.from_file`` hook takes).

        Raises:
            FileNotFoundError: no such file.
        """
        if hasattr(file, "read"):
            return cls(file.read())
        return cls(pathlib.Path(file).read_bytes())

    @classmethod
    def from_base64(cls, text: Union[str, bytes]) -> "Image":
        """An image from base64 text; a ``data:image/...;base64,`` URI prefix is accepted.

        Raises:
            ValueError: the text is not valid base64.
        """
        if isinstance(text, bytes):
            text = text.decode("ascii", errors="strict")
        if text.startswith("data:"):
            _, _, text = text.partition(",")
        try:
            return cls(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError) as err:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise ValueError(f"not valid base64 image data: {shown!r}") from err

    @classmethod
    def from_pil(cls, image: "PIL.Image.Image", format: Optional[str] = None) -> "Image":
        """An image encoded from a Pillow image.

        Args:
            image: the Pillow image.
            format: encoding format; default the image's own format if it has one, else PNG.
        """
        fmt = format or getattr(image, "format", None) or DEFAULT_FORMAT
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        return cls(buffer.getvalue())

    @classmethod
    def from_numpy(cls, array: "numpy.ndarray", format: str = DEFAULT_FORMAT) -> "Image":
        """An image encoded from a NumPy array of shape (rows, columns[, channels]).

        Args:
            array: pixel values; anything not ``uint8`` is converted (and clipped) to it.
            format: encoding format (default PNG, which is lossless).

        Raises:
            MissingExtraError: Pillow or NumPy is not installed.
        """
        np = numpy_module("Image.from_numpy")
        pil = pil_image_module("Image.from_numpy")
        arr = np.asarray(array)
        if arr.dtype != np.uint8:
            arr = np.clip(arr, 0, 255).astype(np.uint8)
        return cls.from_pil(pil.fromarray(arr), format=format)

    # -- conversions -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The encoded image bytes."""
        return bytes(self.image_data or b"")

    def to_file(self, file: Union[str, os.PathLike, BinaryIO]) -> Optional[pathlib.Path]:
        """Write the encoded bytes to a path or a binary file object.

        Returns:
            the path as a ``pathlib.Path``; None for a file object.
        """
        if hasattr(file, "write"):
            file.write(self.to_bytes())
            return None
        target = pathlib.Path(file)
        target.write_bytes(self.to_bytes())
        return target

    def to_base64(self) -> str:
        """The encoded bytes as base64 text."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    def to_data_uri(self) -> str:
        """A ``data:<mime>;base64,...`` URI, e.g. for an HTML ``<img src>``."""
        return f"data:{self.mime_type};base64,{self.to_base64()}"

    def as_pil(self) -> "PIL.Image.Image":
        """Decode into a Pillow image (needs the ``pillow`` extra).

        Raises:
            MissingExtraError: Pillow is not installed.
            ValueError: the bytes are not an image Pillow can read.
        """
        pil = pil_image_module("Image.as_pil")
        try:
            image = pil.open(io.BytesIO(self.to_bytes()))
            image.load()
        except Exception as err:  # Pillow raises several types for undecodable data
            raise ValueError(
                f"cannot decode image data ({len(self.to_bytes())} bytes, "
                f"format {self.format!r}): {err}"
            ) from err
        return image

    def as_numpy(self) -> "numpy.ndarray":
        """Decode into a ``uint8`` NumPy array of shape (rows, columns[, channels]).

        Raises:
            MissingExtraError: Pillow or NumPy is not installed.
        """
        np = numpy_module("Image.as_numpy")
        return np.asarray(self.as_pil())

    # -- properties ------------------------------------------------------------------------------

    @property
    def format(self) -> Optional[str]:
        """Format recognised from the header (``PNG``, ``JPEG``, ...), or None."""
        return _sniff.image_format(self.to_bytes())

    @property
    def mime_type(self) -> str:
        """MIME type of the format (``image/png``, ...)."""
        return _sniff.mime_type(self.format)

    @property
    def size(self) -> Tuple[int, int]:
        """``(width, height)`` in pixels; read from the header where possible, else via Pillow."""
        size = _sniff.image_size(self.to_bytes())
        if size is not None:
            return size
        width, height = self.as_pil().size
        return width, height

    @property
    def rows(self) -> int:
        """Height in pixels."""
        return self.size[1]

    @property
    def columns(self) -> int:
        """Width in pixels."""
        return self.size[0]

    @property
    def channels(self) -> int:
        """Number of channels (bands) of the decoded image (needs the ``pillow`` extra)."""
        return len(self.as_pil().getbands())

    def __repr__(self) -> str:
        return f"Image(format={self.format!r}, bytes={len(self.to_bytes())})"


def _encoded_bytes(source: ImageSource) -> bytes:
    """Turn any accepted source into encoded image bytes."""
    if source is None:
        return b""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, Image):
        return source.to_bytes()
    if isinstance(source, (str, os.PathLike)):
        return pathlib.Path(source).read_bytes()
    module = type(source).__module__ or ""
    # recognised by module so that neither library is imported just to check
    if module.startswith("PIL.") or module == "PIL":
        return Image.from_pil(source).to_bytes()
    if module == "numpy" and hasattr(source, "__array_interface__"):
        return Image.from_numpy(source).to_bytes()
    raise TypeError(
        "Image source must be bytes, a path, an Image, a PIL image or a numpy array, "
        f"got {type(source).__name__!r}"
    )


__all__ = ["Image"]
