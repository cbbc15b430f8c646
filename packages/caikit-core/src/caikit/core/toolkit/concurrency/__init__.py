"""Running work in isolation with cancellation: destroyable threads and processes."""
from .destroyable_process import DestroyableProcess
from .destroyable_thread import DestroyableThread, ThreadDestroyedException

__all__ = ["DestroyableProcess", "DestroyableThread", "ThreadDestroyedException"]
