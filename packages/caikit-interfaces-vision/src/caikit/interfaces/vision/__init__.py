"""caikit.interfaces.vision: the image domain's data model and tasks.

``data_model.Image`` carries encoded image bytes and converts from and to files and base64,
and (with ``pip install "caikit-interfaces-vision[pillow]"``) Pillow images and NumPy arrays.
``tasks`` holds object detection, image classification and image segmentation.
"""
from . import data_model, tasks

__all__ = ["data_model", "tasks"]
