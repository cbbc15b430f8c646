"""Protobuf package names of the vision data model.

caikit 0.29.1 ships the ``Image`` message in ``caikit_data_model.vision``. The detection,
classification and segmentation results were defined by caikit-computer-vision in
``caikit_data_model.caikit_computer_vision``; they keep that package here so that clients
built against caikit-computer-vision servers work unchanged.
"""

CAIKIT_DATA_MODEL = "caikit_data_model"

#: package of the ``Image`` message
VISION_PACKAGE = f"{CAIKIT_DATA_MODEL}.vision"

#: package of the detection / classification / segmentation result messages
COMPUTER_VISION_PACKAGE = f"{CAIKIT_DATA_MODEL}.caikit_computer_vision"

__all__ = ["CAIKIT_DATA_MODEL", "COMPUTER_VISION_PACKAGE", "VISION_PACKAGE"]
