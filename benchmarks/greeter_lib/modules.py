"""The task and the module of the benchmark greeter library."""

from caikit.core import ModuleBase, TaskBase, module, task
from caikit.core.modules import ModuleLoader, ModuleSaver

from greeter_lib.data_model import Greeting


@task(unary_parameters={"name": str}, unary_output_type=Greeting)
class GreetingTask(TaskBase):
    """Greet someone by name."""


@module("greeter-bench", "Benchmark Greeter", "0.0.1", task=GreetingTask)
class GreeterModule(ModuleBase):
    """Answers ``Greeting(f"Hello {name}")`` and does nothing else."""

    def __init__(self, greeting_template: str = "Hello {}"):
        """Args:
        greeting_template: a ``str.format`` template with one ``{}`` for the name.
        """
        super().__init__()
        self._template = greeting_template

    def run(self, name: str) -> Greeting:
        """Return the greeting for ``name``."""
        return Greeting(self._template.format(name))

    def save(self, model_path: str) -> None:
        """Save the template under ``model_path``."""
        with ModuleSaver(module=self, model_path=model_path) as saver:
            saver.update_config({"greeting_template": self._template})

    @classmethod
    def load(cls, model_path: str) -> "GreeterModule":
        """Load a greeter saved by :meth:`save`."""
        return cls(ModuleLoader(model_path).config.greeting_template)
