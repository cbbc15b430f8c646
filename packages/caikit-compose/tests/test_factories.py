"""The three factories find implementations as entry points, built-in and third-party alike."""
import pytest
from caikit.core.toolkit.factory import UnknownTypeError
from caikit.core.toolkit.testing import throwaway_distribution
from caikit_compose import GROUP_STORE_FACTORY, GROUPING_FACTORY, MQ_FACTORY, SubscriptionManager

GROUPING_PLUGIN = '''
from caikit_compose.grouping.base import GroupingBase


class EveryOther(GroupingBase):
    """Passes one message in two (a toy third-party grouping)."""

    name = "EVERY_OTHER"

    def __init__(self, config, subscription_id, group_store, grouping_input):
        super().__init__(config, subscription_id, group_store, grouping_input)
        self.seen = 0

    def add_message(self, message):
        self.seen += 1
        return message if self.seen % 2 else None

    def get_pending_messages(self):
        return []
'''

MQ_PLUGIN = '''
from caikit_compose.message_queue.local import LocalMessageQueue


class LoudQueue(LocalMessageQueue):
    name = "LOUD"
'''


def test_builtins_are_entry_points():
    assert {"LOCAL"} <= set(MQ_FACTORY.available_types())
    assert "entry point of caikit-compose" in MQ_FACTORY.available_types()["LOCAL"]
    assert {"LOCAL"} <= set(GROUP_STORE_FACTORY.available_types())
    assert {"INDIVIDUAL", "KEY_GROUPING", "COUNT_GROUPING"} <= set(
        GROUPING_FACTORY.available_types()
    )
    assert MQ_FACTORY.entry_point_group == "caikit_compose.message_queues"
    assert GROUP_STORE_FACTORY.entry_point_group == "caikit_compose.group_stores"
    assert GROUPING_FACTORY.entry_point_group == "caikit_compose.groupings"


def test_unknown_types_name_the_group_and_what_is_installed(gs):
    with pytest.raises(UnknownTypeError) as info:
        MQ_FACTORY.construct({"type": "KAFKA"})
    message = str(info.value)
    assert "'KAFKA'" in message and "caikit_compose.message_queues" in message
    assert "LOCAL" in message
    with pytest.raises(UnknownTypeError) as info:
        GROUPING_FACTORY.construct({"type": "NOPE"}, "s", gs, ["a"])
    assert "caikit_compose.groupings" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_redis_hint_when_not_installed():
    from caikit.core.toolkit import plugins

    if "REDIS" in plugins.plugins("caikit_compose.message_queues"):
        pytest.skip("the REDIS plugin is installed here")
    with pytest.raises(UnknownTypeError, match="compose-redis"):
        MQ_FACTORY.construct({"type": "REDIS"})


def test_import_class_is_refused(gs):
    with pytest.raises(ValueError, match="import_class"):
        GROUPING_FACTORY.construct(
            {"type": "X", "import_class": "os.system"}, "s", gs, ["a"]
        )
    with pytest.raises(ValueError, match="import_class"):
        MQ_FACTORY.construct({"type": "X", "import_class": "os.system"})


def test_grouping_config_must_be_a_mapping(gs):
    with pytest.raises(TypeError):
        GROUPING_FACTORY.construct({"type": "INDIVIDUAL", "config": [1]}, "s", gs, ["a"])
    with pytest.raises(TypeError):
        GROUPING_FACTORY.construct(["INDIVIDUAL"], "s", gs, ["a"])


def test_third_party_grouping_by_entry_point(mq, gs, types):
    from caikit_compose import Message

    with throwaway_distribution(
        "every-other-grouping",
        {"caikit_compose.groupings": {"EVERY_OTHER": "every_other_plugin:EveryOther"}},
        {"every_other_plugin.py": GROUPING_PLUGIN},
    ):
        grouping = GROUPING_FACTORY.construct({"type": "EVERY_OTHER"}, "s", gs, "t")
        assert type(grouping).__name__ == "EveryOther"
        topic = types.Text.full_name
        mq.create_topic(topic)
        got = []
        SubscriptionManager("sub", mq, gs, got.append, topic, "EVERY_OTHER")
        for i in range(4):
            mq.publish(topic, Message.from_data(types.Text(text=str(i))))
        assert [m.unwrapped.text for m in got] == ["0", "2"]
    with pytest.raises(UnknownTypeError):
        GROUPING_FACTORY.construct({"type": "EVERY_OTHER"}, "s", gs, "t")


def test_third_party_message_queue_by_entry_point():
    with throwaway_distribution(
        "loud-queue",
        {"caikit_compose.message_queues": {"LOUD": "loud_queue_plugin:LoudQueue"}},
        {"loud_queue_plugin.py": MQ_PLUGIN},
    ):
        mq = MQ_FACTORY.construct({"type": "LOUD"})
        assert type(mq).__name__ == "LoudQueue" and mq.instance_name == "LOUD"
