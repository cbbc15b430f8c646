"""The vision domain's data model: the ``Image`` data object and the results of the vision tasks.

``Image`` is caikit 0.29.1's ``caikit_data_model.vision.Image``; the result messages keep the
names and package (``caikit_data_model.caikit_computer_vision``) of caikit-computer-vision.
"""
from . import image, image_classification, image_segmentation, object_detection, package
from ._optional import MissingExtraError
from .image import Image
from .image_classification import ImageClassification, ImageClassificationResult
from .image_segmentation import ImageSegmentationResult, ObjectSegment
from .object_detection import (
    Anomaly,
    AnomalyRegion,
    BoundingBox,
    DetectedObject,
    ObjectDetectionResult,
    Point2d,
    Point2f,
)
from .package import COMPUTER_VISION_PACKAGE, VISION_PACKAGE

__all__ = [
    "COMPUTER_VISION_PACKAGE",
    "VISION_PACKAGE",
    "Anomaly",
    "AnomalyRegion",
    "BoundingBox",
    "DetectedObject",
    "Image",
    "ImageClassification",
    "ImageClassificationResult",
    "ImageSegmentationResult",
    "MissingExtraError",
    "ObjectDetectionResult",
    "ObjectSegment",
    "Point2d",
    "Point2f",
    "image",
    "image_classification",
    "image_segmentation",
    "object_detection",
    "package",
]
