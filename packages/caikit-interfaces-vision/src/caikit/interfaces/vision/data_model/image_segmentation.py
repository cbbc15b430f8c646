"""Results of image segmentation: one mask image per segment."""
from typing import List

from caikit.core.data_model import DataObjectBase, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .image import Image
from .package import COMPUTER_VISION_PACKAGE


@dataobject(package=COMPUTER_VISION_PACKAGE)
class ObjectSegment(DataObjectBase):
    """One segment of an image.

    Attributes:
        score: confidence-like score in [0, 1].
        label: the segment's class.
        mask: an 8-bit greyscale (mode ``L``) image the size of the input, 255 where the
            segment is and 0 elsewhere.
    """

    score: float
    label: str
    mask: Image


@dataobject(package=COMPUTER_VISION_PACKAGE)
class ImageSegmentationResult(DataObjectBase):
    """Every segment found in an image (instance, semantic and panoptic alike)."""

    object_segments: List[ObjectSegment]
    producer_id: ProducerId


__all__ = ["ImageSegmentationResult", "ObjectSegment"]
