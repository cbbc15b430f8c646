"""A trivial caikit library for the runtime benchmarks (``runtime.library=greeter_lib``).

It is written only against caikit's public API, so the same package is served by
caikit 0.29.1 and by ours: one task (``GreetingTask``), one module that answers
``Greeting(f"Hello {name}")``. Put ``benchmarks/`` on ``PYTHONPATH`` to import it.
"""

from greeter_lib.data_model import Greeting
from greeter_lib.modules import GreeterModule, GreetingTask

__all__ = ["GreeterModule", "Greeting", "GreetingTask"]
