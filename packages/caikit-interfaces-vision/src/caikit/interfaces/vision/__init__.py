"""caikit.interfaces.vision: the vision domain's data model and tasks."""
