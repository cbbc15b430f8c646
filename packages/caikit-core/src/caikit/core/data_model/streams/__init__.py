"""Data streams: lazy, re-iterable sources of training and inference data."""

from .data_stream import DataSourceError, DataStream

__all__ = ["DataSourceError", "DataStream"]
