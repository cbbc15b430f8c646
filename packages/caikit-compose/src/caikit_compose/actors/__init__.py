"""Actors: units of action that consume and produce messages.

``ModelActor`` (which wraps a caikit module) lives in ``caikit_compose.actors.model_actor``.
"""
from .base import ActorBase

__all__ = ["ActorBase"]
