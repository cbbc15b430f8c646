"""SubscriptionManager: wiring, bookkeeping, unsubscribe, close and state."""
import pytest
from caikit_compose import Message, SubscriptionManager
from caikit_compose.grouping.subscription_manager import SubscriptionState


def _text(types, i, data_id=None):
    return Message.from_data(types.Text(text=str(i)), data_id=data_id or str(i))


def test_individual_subscription(mq, gs, types):
    topic = types.Text.full_name
    mq.create_topic(topic)
    got = []
    mgr = SubscriptionManager("s", mq, gs, got.append, topic, "INDIVIDUAL")
    assert mgr.id == "s" and mgr.input_topics == [topic] and mgr.topics == [topic]
    msg = _text(types, 1)
    mq.publish(topic, msg)
    assert got == [msg]
    assert mgr.processing_count == 0
    assert mgr.get_state() == SubscriptionState([], [])


def test_key_subscription_over_two_topics(mq, gs, types):
    a, b = types.Text.full_name, types.Number.full_name
    for topic in (a, b):
        mq.create_topic(topic)
    got = []
    mgr = SubscriptionManager("s", mq, gs, got.append, [a, b], "KEY_GROUPING")
    mq.publish(a, _text(types, 1))
    assert got == [] and len(mgr.get_state().pending_messages) == 1
    mq.publish(b, Message.from_data(types.Number(value=1), data_id="1"))
    assert len(got) == 1 and got[0].header.data_id == "1"


def test_replicas_share_messages_and_state(mq, gs, types):
    a, b = types.Text.full_name, types.Number.full_name
    for topic in (a, b):
        mq.create_topic(topic)
    got = []
    SubscriptionManager("shared", mq, gs, got.append, [a, b], "KEY_GROUPING")
    SubscriptionManager("shared", mq, gs, got.append, [a, b], "KEY_GROUPING")
    for i in range(10):
        mq.publish(a, _text(types, i))
        mq.publish(b, Message.from_data(types.Number(value=i), data_id=str(i)))
    assert sorted(int(m.header.data_id) for m in got) == list(range(10))


def test_processing_is_tracked_and_cleared_on_errors(mq, gs, types):
    topic = types.Text.full_name
    mq.create_topic(topic)
    seen = {}

    def callback(msg):
        seen["state"] = mgr.get_state()
        seen["count"] = mgr.processing_count
        raise RuntimeError("actor failed")

    mgr = SubscriptionManager("s", mq, gs, callback, topic, "INDIVIDUAL")
    msg = _text(types, 1)
    mq.publish(topic, msg)  # the queue logs the failure
    assert seen["count"] == 1 and seen["state"].processing_messages == [msg]
    assert mgr.processing_count == 0
    assert mq.handler_errors == 1


def test_unsubscribe_and_close(mq, gs, types):
    topic = types.Number.full_name
    mq.create_topic(topic)
    got = []
    mgr = SubscriptionManager(
        "s", mq, gs, got.append, topic, "COUNT_GROUPING",
        {"window_size": 3, "on_close": "flush"},
    )
    for i in range(2):
        mq.publish(topic, Message.from_data(types.Number(value=i)))
    mgr.unsubscribe()
    mgr.unsubscribe()
    assert not mgr.subscribed and mq.subscriptions() == []
    mq.publish(topic, Message.from_data(types.Number(value=2)))
    assert got == []
    mgr.close()
    assert len(got) == 1 and got[0].metadata["caikit_compose"]["partial"] == "closed"
    mgr.close()
    assert len(got) == 1


def test_context_manager_closes(mq, gs, types):
    topic = types.Text.full_name
    mq.create_topic(topic)
    with SubscriptionManager("s", mq, gs, print, topic, "INDIVIDUAL") as mgr:
        assert mgr.subscribed
    assert not mgr.subscribed


def test_extra_topics(mq, gs, types):
    a, extra = types.Text.full_name, "extra"
    mq.create_topic(a)
    mq.create_topic(extra)
    got = []
    mgr = SubscriptionManager("s", mq, gs, got.append, a, "INDIVIDUAL", extra_topics=[extra])
    assert mgr.topics == [a, extra]
    mq.publish(extra, _text(types, 1))
    assert len(got) == 1


def test_expire_delivers_partials(mq, gs, types):
    a, b = types.Text.full_name, types.Number.full_name
    for topic in (a, b):
        mq.create_topic(topic)
    got = []
    mgr = SubscriptionManager(
        "s", mq, gs, got.append, [a, b], "KEY_GROUPING",
        {"partial_ttl": 5, "emit_partial": True},
    )
    mq.publish(a, _text(types, 1))
    assert mgr.expire(gs.now() + 6) == 1
    assert got[0].metadata["caikit_compose"]["partial"] == "expired"


def test_validation(mq, gs):
    with pytest.raises(TypeError):
        SubscriptionManager("s", mq, gs, "not callable", "t", "INDIVIDUAL")
    with pytest.raises(TypeError):
        SubscriptionManager("s", "not a queue", gs, print, "t", "INDIVIDUAL")
    with pytest.raises(ValueError):
        SubscriptionManager("s", mq, gs, print, "t", "NO_SUCH_GROUPING")
