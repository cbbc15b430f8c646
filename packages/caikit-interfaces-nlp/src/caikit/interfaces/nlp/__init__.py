"""caikit.interfaces.nlp: the nlp domain's data model and tasks."""
