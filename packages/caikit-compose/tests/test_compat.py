"""Code written against caikit-compose 0.1.0's module layout keeps working."""
import aconfig
from caikit.interfaces.common.data_model import StrSequence


def test_reference_import_paths():
    from caikit_compose import (  # noqa: F401
        GROUP_STORE_FACTORY,
        GROUPING_FACTORY,
        MQ_FACTORY,
        ActorBase,
        GroupingBase,
        GroupStoreBase,
        Message,
        MessageHeader,
        MessageQueueBase,
        SubscriptionManager,
    )
    from caikit_compose.actors import ActorBase as ActorBase2  # noqa: F401
    from caikit_compose.actors.model_actor import ActorMethod, ModelActor  # noqa: F401
    from caikit_compose.group_store import GROUP_STORE_FACTORY as G2  # noqa: F401
    from caikit_compose.group_store.local import LocalGroupStore  # noqa: F401
    from caikit_compose.grouping import SubscriptionManager as S2  # noqa: F401
    from caikit_compose.grouping.compound_grouping_base import (  # noqa: F401
        CompoundGroup,
        CompoundGroupingBase,
        CompoundGroupState,
        GroupElement,
    )
    from caikit_compose.grouping.count_grouping import CountGrouping  # noqa: F401
    from caikit_compose.grouping.factory import GroupingFactory  # noqa: F401
    from caikit_compose.grouping.individual_grouping import IndividualGrouping  # noqa: F401
    from caikit_compose.grouping.key_grouping import KeyGrouping  # noqa: F401
    from caikit_compose.grouping.subscription_manager import (  # noqa: F401
        SubscriptionManager as S3,
    )
    from caikit_compose.message import PACKAGE  # noqa: F401
    from caikit_compose.message_queue.local import LocalMessageQueue  # noqa: F401
    from caikit_compose.version import __version__

    assert __version__ != ""
    for name in ("CompoundGroup", "CompoundGroupState", "GroupElement"):
        assert locals()[name].full_name == f"caikit_data_model.compose.{name}"


def test_deep_merge():
    from caikit_compose.utils.dict_tools import deep_merge

    base = {"a": {"x": 1}, "b": 1}
    assert deep_merge(base, {"a": {"y": 2}, "b": 3}) is base
    assert base == {"a": {"x": 1, "y": 2}, "b": 3}


def test_subscription_manager_with_aconfig_and_positional_arguments(mq, gs):
    from caikit_compose import Message, SubscriptionManager

    mq.create_topic(StrSequence.full_name)
    got = []
    SubscriptionManager(
        "sub", mq, gs, got.append, StrSequence.full_name, "KEY_GROUPING",
        aconfig.Config({"match_keys": ["header.data_id"]}), None,
    )
    mq.publish(StrSequence.full_name, Message.from_data(StrSequence(["a"]), data_id="d"))
    assert got[0].unwrapped.messages[0].unwrapped.values == ["a"]


def test_message_from_reference_style_dict():
    from caikit_compose import Message

    msg = Message.from_data(StrSequence(["a"]))
    data = msg.to_dict()
    data["body"]["value"] = msg.body.value  # 0.1.0's to_dict gave raw bytes
    assert Message.from_dict(data) == msg
