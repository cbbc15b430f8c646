"""caikit-plugin-template: one plugin of every kind caikit and caikit-compose can load.

Nothing here is imported by name: caikit finds each class through the entry point declared in
``pyproject.toml`` when a config names its ``type``. Importing this package imports nothing
heavy; each module is loaded only when its plugin is asked for.

================  =========================================  ======================
type              entry-point group                          class
================  =========================================  ======================
``INLINE``        ``caikit.model_trainers``                  :class:`.trainer.InlineModelTrainer`
``ALIAS``         ``caikit.model_finders``                   :class:`.finder.AliasModelFinder`
``TIMED``         ``caikit.model_initializers``              :class:`.initializer.TimedModelInitializer`
``SIMPLE``        ``caikit_compose.message_queues``          :class:`.message_queue.SimpleMessageQueue`
``DICT``          ``caikit_compose.group_stores``            :class:`.group_store.DictGroupStore`
``BATCH``         ``caikit_compose.groupings``               :class:`.grouping.BatchGrouping`
================  =========================================  ======================
"""

__all__: list = []
