"""Interfaces shared by every caikit distribution (``caikit_data_model.common``)."""
