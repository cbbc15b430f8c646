"""``GROUPING_FACTORY``: builds groupings by type name from entry points.

Groupings are entry points of the group ``caikit_compose.groupings`` (``INDIVIDUAL``,
``KEY_GROUPING`` and ``COUNT_GROUPING`` are built in); a third-party grouping is used by its
entry-point name exactly like a built-in. Unlike 0.1.0, there is no ``import_class``: a
configuration can never make the process import an arbitrary module.
"""
from __future__ import annotations

from typing import Any, Collection, List, Mapping, Union

import aconfig
import alog
from caikit.core.exceptions import error_handler
from caikit.core.toolkit.factory import ImportableFactory

from ..group_store.base import GroupStoreBase

__all__ = ["GROUPING_FACTORY", "GroupingFactory"]

log = alog.use_channel("GRPFY")
error = error_handler.get(log)


def normalize_grouping_input(grouping_input: Union[str, Collection[str]]) -> List[str]:
    """Accept one content type or a list, tuple or set of them; return a list.

    Raises:
        TypeError: not a string or a collection of strings
        ValueError: empty
    """
    if isinstance(grouping_input, str):
        grouping_input = [grouping_input]
    error.type_check_all("<CMP38033741E>", str, grouping_input=grouping_input)
    error.value_check(
        "<CMP38033742E>", len(grouping_input) > 0, f"grouping_input is empty: {grouping_input!r}"
    )
    # sets have no order; keep lists and tuples as given
    if isinstance(grouping_input, (set, frozenset)):
        return sorted(grouping_input)
    return list(grouping_input)


class GroupingFactory(ImportableFactory):
    """An ``ImportableFactory`` whose ``construct`` also takes the subscription's context."""

    def construct(  # type: ignore[override]
        self,
        instance_config: Mapping[str, Any],
        subscription_id: str,
        group_store: GroupStoreBase,
        grouping_input: Union[str, Collection[str]],
    ):
        """Build a grouping.

        Args:
            instance_config: ``{"type": <grouping type>, "config": {...}}`` (``config`` may be
                a dict or an ``aconfig.Config``, or omitted)
            subscription_id: the subscription the grouping serves
            group_store: the store for its state
            grouping_input: one content type or a list, tuple or set of them

        Raises:
            TypeError: malformed config or input
            ValueError: ``import_class`` given, or empty input
            UnknownTypeError: no grouping of that type is installed
        """
        if not isinstance(instance_config, Mapping):
            error.log_raise(
                "<CMP38033743E>",
                TypeError(
                    f"The 'grouping' factory needs a mapping with 'type' and 'config', got "
                    f"{instance_config!r}"
                ),
            )
        if instance_config.get("import_class"):
            error.log_raise(
                "<CMP38033744E>",
                ValueError(
                    f"'import_class' ({instance_config['import_class']!r}) is not supported: "
                    f"groupings are plugins. {self._how_to_provide()}"
                ),
            )
        cls = self.get_class(instance_config.get("type"))
        config = instance_config.get("config")
        if config is None:
            config = aconfig.Config({}, override_env_vars=False)
        elif not isinstance(config, aconfig.AttributeAccessDict):
            if not isinstance(config, Mapping):
                error.log_raise(
                    "<CMP38033746E>",
                    TypeError(f"A grouping 'config' must be a mapping, got {config!r}"),
                )
            config = aconfig.Config(dict(config), override_env_vars=False)
        return cls(config, subscription_id, group_store, normalize_grouping_input(grouping_input))


#: ``GROUPING_FACTORY.construct({"type": "KEY_GROUPING"}, "sub1", store, ["A", "B"])``
GROUPING_FACTORY = GroupingFactory("grouping", entry_point_group="caikit_compose.groupings")
