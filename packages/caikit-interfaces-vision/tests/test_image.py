"""``Image``: encoded bytes from and to files, base64, protobuf and JSON (pure Python), and
from and to Pillow images and NumPy arrays (the ``pillow`` extra)."""
import base64
import io
import json
import struct
import subprocess
import sys
import zlib

import pytest
from caikit.interfaces.vision.data_model import Image, MissingExtraError


def make_png(width: int, height: int, rgb=(255, 0, 0)) -> bytes:
    """A valid RGB PNG of one colour, written by hand (no Pillow needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = make_png(3, 2)
# minimal headers: enough for format and size sniffing
GIF = b"GIF89a" + struct.pack("<HH", 7, 5) + b"\x00" * 8
BMP = b"BM" + b"\x00" * 16 + struct.pack("<ii", 4, -6) + b"\x00" * 8
JPEG = (
    b"\xff\xd8"
    + b"\xff\xe0" + struct.pack(">H", 4) + b"\x00\x00"  # APP0, skipped
    + b"\xff\xc0" + struct.pack(">HBHH", 11, 8, 9, 10) + b"\x03\x00\x00\x00"  # SOF0: 9 rows, 10 columns
)


# -- pure Python -----------------------------------------------------------------------------


def test_bytes_are_kept_unchanged():
    image = Image(PNG)
    assert image.image_data == PNG
    assert image.to_bytes() == PNG
    assert Image.from_bytes(bytearray(PNG)) == image


def test_file_round_trip(tmp_path):
    source = tmp_path / "in.png"
    source.write_bytes(PNG)
    for image in (Image.from_file(source), Image(source), Image(str(source))):
        assert image.to_bytes() == PNG
    written = Image(PNG).to_file(tmp_path / "out.png")
    assert written.read_bytes() == PNG


def test_file_objects_round_trip():
    buffer = io.BytesIO()
    assert Image(PNG).to_file(buffer) is None
    buffer.seek(0)
    assert Image.from_file(buffer).to_bytes() == PNG


def test_missing_file_raises():
    with pytest.raises(FileNotFoundError):
        Image.from_file("/nonexistent/image.png")


def test_base64_round_trip():
    image = Image(PNG)
    text = image.to_base64()
    assert base64.b64decode(text) == PNG
    assert Image.from_base64(text) == image
    assert Image.from_base64(text.encode()) == image
    assert image.to_data_uri().startswith("data:image/png;base64,")
    assert Image.from_base64(image.to_data_uri()) == image


def test_invalid_base64_is_a_value_error():
    with pytest.raises(ValueError, match="not valid base64"):
        Image.from_base64("definitely not base64!")


def test_unsupported_source_is_a_type_error():
    with pytest.raises(TypeError, match="'int'"):
        Image(42)


def test_protobuf_and_json_round_trip():
    image = Image(PNG)
    assert Image.from_proto(image.to_proto()) == image
    assert Image.from_json(image.to_json()) == image
    # bytes travel as base64 in JSON, like every bytes field
    assert json.loads(image.to_json()) == {"image_data": image.to_base64()}


def test_nested_in_a_segment_round_trips():
    from caikit.interfaces.vision.data_model import ObjectSegment

    segment = ObjectSegment(score=0.9, label="cat", mask=Image(PNG))
    assert ObjectSegment.from_proto(segment.to_proto()) == segment
    assert ObjectSegment.from_json(segment.to_json()).mask.to_bytes() == PNG


@pytest.mark.parametrize(
    ("data", "fmt", "mime", "size"),
    [
        (PNG, "PNG", "image/png", (3, 2)),
        (GIF, "GIF", "image/gif", (7, 5)),
        (BMP, "BMP", "image/bmp", (4, 6)),
        (JPEG, "JPEG", "image/jpeg", (10, 9)),
    ],
)
def test_format_and_size_from_the_header(data, fmt, mime, size):
    image = Image(data)
    assert (image.format, image.mime_type, image.size) == (fmt, mime, size)
    assert (image.columns, image.rows) == size


def test_unknown_format():
    image = Image(b"not an image")
    assert image.format is None
    assert image.mime_type == "application/octet-stream"


def test_importing_the_vision_interfaces_does_not_import_pillow_or_numpy():
    code = (
        "import sys, caikit.interfaces.vision as v; v.data_model.Image(b'x').to_base64();"
        "print(sorted(m for m in ('PIL', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_pillow_names_the_extra(monkeypatch):
    # a None entry in sys.modules makes the import fail as if the package were absent
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(MissingExtraError, match=r"caikit-interfaces-vision\[pillow\]") as info:
        Image(PNG).as_pil()
    assert info.value.module == "PIL"
    assert isinstance(info.value, ImportError)


# -- Pillow and NumPy ------------------------------------------------------------------------


# The `pillow` extra is installed by every nox session that runs these tests: a missing
# extra is a failure here, not a skip.
@pytest.fixture
def pil():
    import PIL.Image

    return PIL.Image


@pytest.fixture
def np():
    import numpy

    return numpy


def test_as_pil_decodes(pil):
    decoded = Image(PNG).as_pil()
    assert decoded.size == (3, 2)
    assert decoded.mode == "RGB"
    assert decoded.getpixel((2, 1)) == (255, 0, 0)
    assert Image(PNG).channels == 3


def test_from_pil_round_trip(pil):
    original = pil.new("RGB", (4, 3), (10, 20, 30))
    original.putpixel((1, 1), (200, 100, 0))
    image = Image.from_pil(original)
    assert image.format == "PNG"
    assert image.as_pil().tobytes() == original.tobytes()
    assert Image(original) == image


def test_from_pil_with_a_format(pil):
    image = Image.from_pil(pil.new("RGB", (8, 8), (0, 128, 255)), format="JPEG")
    assert image.format == "JPEG"
    # the pure-Python header reader agrees with Pillow on real JPEGs
    assert image.size == image.as_pil().size == (8, 8)


def test_numpy_round_trip(np):
    array = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    image = Image.from_numpy(array)
    assert (image.rows, image.columns) == (4, 5)
    assert np.array_equal(image.as_numpy(), array)
    assert Image(array) == image


def test_numpy_greyscale_and_clipping(np):
    array = np.array([[-5.0, 0.0], [128.4, 300.0]])
    decoded = Image.from_numpy(array).as_numpy()
    assert decoded.dtype == np.uint8
    assert decoded.tolist() == [[0, 0], [128, 255]]
    assert Image.from_numpy(array).channels == 1


def test_undecodable_bytes_are_a_value_error(pil):
    with pytest.raises(ValueError, match="cannot decode image data"):
        Image(b"\x89PNG\r\n\x1a\ngarbage").as_pil()
