"""Data objects of the benchmark greeter library."""

from caikit.core import DataObjectBase, dataobject


@dataobject(package="greeter_lib.data_model")
class Greeting(DataObjectBase):
    """The answer of the greeter: one string."""

    greeting: str
