"""The vision domain's tasks.

Each takes the encoded image as ``inputs: bytes`` (as caikit-computer-vision's tasks do, so the
request messages match); a module turns it into an ``Image`` with ``Image(inputs)``.
"""
from caikit.core.task import TaskBase, task

from .data_model import ImageClassificationResult, ImageSegmentationResult, ObjectDetectionResult


@task(unary_parameters={"inputs": bytes}, unary_output_type=ObjectDetectionResult)
class ObjectDetectionTask(TaskBase):
    """Find objects in an image: zero or more labelled, scored bounding boxes."""


@task(unary_parameters={"inputs": bytes}, unary_output_type=ImageClassificationResult)
class ImageClassificationTask(TaskBase):
    """Assign classes, with scores, to a whole image."""


@task(unary_parameters={"inputs": bytes}, unary_output_type=ImageSegmentationResult)
class ImageSegmentationTask(TaskBase):
    """Split an image into labelled segments, each with a pixel mask (any segmentation kind)."""


__all__ = ["ImageClassificationTask", "ImageSegmentationTask", "ObjectDetectionTask"]
