"""Pin the vision domain's wire contract: ``Image`` as caikit 0.29.1 defines it, and the
detection / classification / segmentation messages and tasks as caikit-computer-vision does."""
import pytest
from caikit.interfaces.vision import data_model as dm
from caikit.interfaces.vision import tasks
from google.protobuf.descriptor import FieldDescriptor

CV = "caikit_data_model.caikit_computer_vision"

MESSAGES = {
    "Image": ("caikit_data_model.vision.Image", "bytes image_data = 1;"),
    "Point2f": (f"{CV}.Point2f", "double x = 1; double y = 2;"),
    "Point2d": (f"{CV}.Point2d", "int64 x = 1; int64 y = 2;"),
    "BoundingBox": (
        f"{CV}.BoundingBox",
        "int64 xmin = 1; int64 xmax = 2; int64 ymin = 3; int64 ymax = 4;",
    ),
    "AnomalyRegion": (
        f"{CV}.AnomalyRegion",
        f"double score = 1; {CV}.BoundingBox box = 2; {CV}.Point2d anomaly_hotspot = 3;",
    ),
    "Anomaly": (
        f"{CV}.Anomaly",
        "double score = 1; double anomaly_threshold = 2; string detail_data = 3; "
        f"repeated {CV}.AnomalyRegion regions = 4;",
    ),
    "DetectedObject": (
        f"{CV}.DetectedObject",
        f"double score = 1; string label = 2; {CV}.BoundingBox box = 3; "
        f"repeated {CV}.Point2f object_segments = 4; string rle = 5; {CV}.Anomaly anomaly = 6;",
    ),
    "ObjectDetectionResult": (
        f"{CV}.ObjectDetectionResult",
        f"repeated {CV}.DetectedObject detected_objects = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2;",
    ),
    "ImageClassification": (f"{CV}.ImageClassification", "string label = 1; double score = 2;"),
    "ImageClassificationResult": (
        f"{CV}.ImageClassificationResult",
        f"repeated {CV}.ImageClassification classifications = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2;",
    ),
    "ObjectSegment": (
        f"{CV}.ObjectSegment",
        "double score = 1; string label = 2; caikit_data_model.vision.Image mask = 3;",
    ),
    "ImageSegmentationResult": (
        f"{CV}.ImageSegmentationResult",
        f"repeated {CV}.ObjectSegment object_segments = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2;",
    ),
}

# every vision task: unary only, ``inputs: bytes`` -> result message
TASKS = {
    "ObjectDetectionTask": f"{CV}.ObjectDetectionResult",
    "ImageClassificationTask": f"{CV}.ImageClassificationResult",
    "ImageSegmentationTask": f"{CV}.ImageSegmentationResult",
}

_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
}


def render_fields(descriptor) -> str:
    """The fields of a message descriptor as ``[repeated] type name = number;``."""
    parts = []
    for field in descriptor.fields:
        type_name = field.message_type.full_name if field.message_type else _SCALARS[field.type]
        repeated = "repeated " if field.is_repeated else ""
        parts.append(f"{repeated}{type_name} {field.name} = {field.number};")
    return " ".join(parts)


def test_every_exported_message_is_pinned():
    exported = {
        name
        for name in dm.__all__
        if isinstance(getattr(dm, name), type) and hasattr(getattr(dm, name), "get_proto_class")
    }
    assert exported == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_name_package_and_fields(name):
    full_name, fields = MESSAGES[name]
    descriptor = getattr(dm, name).get_proto_class().DESCRIPTOR
    assert descriptor.full_name == full_name
    assert render_fields(descriptor) == fields
    assert [o.name for o in descriptor.oneofs] == []


def test_every_task_is_pinned():
    assert set(tasks.__all__) == set(TASKS)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_task_signature(name):
    task = getattr(tasks, name)
    assert task.__name__ == name
    assert task.flavours() == [(False, False)]
    assert task.get_required_parameters(False) == {"inputs": bytes}
    assert task.get_output_type(False).get_proto_class().DESCRIPTOR.full_name == TASKS[name]
