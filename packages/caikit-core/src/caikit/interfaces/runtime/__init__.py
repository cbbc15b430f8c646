"""Interfaces of the caikit runtime's management and info services."""
