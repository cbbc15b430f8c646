"""Results of image classification."""
from typing import List

from caikit.core.data_model import DataObjectBase, dataobject
from caikit.interfaces.common.data_model import ProducerId

from .package import COMPUTER_VISION_PACKAGE


@dataobject(package=COMPUTER_VISION_PACKAGE)
class ImageClassification(DataObjectBase):
    """One predicted class of an image, with a confidence-like score in [0, 1]."""

    label: str
    score: float


@dataobject(package=COMPUTER_VISION_PACKAGE)
class ImageClassificationResult(DataObjectBase):
    """All predicted classes of an image."""

    classifications: List[ImageClassification]
    producer_id: ProducerId


__all__ = ["ImageClassification", "ImageClassificationResult"]
