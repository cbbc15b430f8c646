"""Small helpers shared by caikit-compose."""
from .dict_tools import deep_merge

__all__ = ["deep_merge"]
