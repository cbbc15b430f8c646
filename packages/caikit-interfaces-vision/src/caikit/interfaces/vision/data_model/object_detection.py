"""Results of object detection: labelled, scored boxes, optionally with outlines and anomalies.

Coordinates are in pixels of the input image, origin top-left.
"""
from typing import List

from caikit.core.data_model import DataObjectBase, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .package import COMPUTER_VISION_PACKAGE


@dataobject(package=COMPUTER_VISION_PACKAGE)
class Point2f(DataObjectBase):
    """A point with sub-pixel coordinates."""

    x: float
    y: float


@dataobject(package=COMPUTER_VISION_PACKAGE)
class Point2d(DataObjectBase):
    """A point with whole-pixel coordinates."""

    x: int
    y: int


@dataobject(package=COMPUTER_VISION_PACKAGE)
class BoundingBox(DataObjectBase):
    """An axis-aligned box; note the field order ``xmin, xmax, ymin, ymax``."""

    xmin: int
    xmax: int
    ymin: int
    ymax: int


@dataobject(package=COMPUTER_VISION_PACKAGE)
class AnomalyRegion(DataObjectBase):
    """A region of a detected object that looks anomalous.

    Attributes:
        score: how anomalous the region is.
        box: the region, relative to the detected object.
        anomaly_hotspot: the region's focal point, relative to the detected object.
    """

    score: float
    box: BoundingBox
    anomaly_hotspot: Point2d


@dataobject(package=COMPUTER_VISION_PACKAGE)
class Anomaly(DataObjectBase):
    """Anomaly findings for one detected object.

    Attributes:
        score: overall anomaly score.
        anomaly_threshold: the score above which the object counts as anomalous.
        detail_data: free-form detail from the model.
        regions: the anomalous regions.
    """

    score: float
    anomaly_threshold: float
    detail_data: str
    regions: List[AnomalyRegion]


@dataobject(package=COMPUTER_VISION_PACKAGE)
class DetectedObject(DataObjectBase):
    """One detected object.

    Attributes:
        score: confidence-like score in [0, 1].
        label: the object's class.
        box: where it is.
        object_segments: optional outline of the object (pixel coordinates).
        rle: optional run-length encoding of the object's mask.
        anomaly: optional anomaly findings.
    """

    score: float
    label: str
    box: BoundingBox
    object_segments: List[Point2f]
    rle: str
    anomaly: Anomaly


@dataobject(package=COMPUTER_VISION_PACKAGE)
class ObjectDetectionResult(DataObjectBase):
    """Every object detected in an image."""

    detected_objects: List[DetectedObject]
    producer_id: ProducerId


__all__ = [
    "Anomaly",
    "AnomalyRegion",
    "BoundingBox",
    "DetectedObject",
    "ObjectDetectionResult",
    "Point2d",
    "Point2f",
]
