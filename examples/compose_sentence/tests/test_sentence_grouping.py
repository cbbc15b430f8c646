"""The SENTENCE grouping, found through its entry point like any third-party plugin."""
import pytest
from caikit_compose import (
    GROUP_STORE_FACTORY,
    GROUPING_FACTORY,
    MQ_FACTORY,
    Message,
    SubscriptionManager,
)
from caikit_compose.group_store import codec
from caikit_compose_sentence import Sentence, SentenceGrouping, TextChunk
from caikit_compose_sentence.grouping import SentenceBuffer

TOPIC = TextChunk.full_name


def _app(threads=0, **config):
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic(TOPIC)
    got = []
    manager = SubscriptionManager("sentences", mq, gs, got.append, TOPIC, "SENTENCE", config)
    return mq, gs, got, manager


def _chunk(text, data_id="doc", **kw):
    return Message.from_data(TextChunk(text=text), data_id=data_id, **kw)


def test_found_by_entry_point():
    assert "SENTENCE" in GROUPING_FACTORY.available_types()
    assert "caikit-compose-sentence" in GROUPING_FACTORY.available_types()["SENTENCE"]
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    assert isinstance(GROUPING_FACTORY.construct({"type": "SENTENCE"}, "s", gs, TOPIC), SentenceGrouping)


def test_chunks_become_sentences():
    mq, _, got, _ = _app()
    for text in ["Hello wor", "ld. How are", " you? Fine, thanks! And", " you"]:
        mq.publish(TOPIC, _chunk(text, metadata={"user": "u1"}))
    assert [m.unwrapped.text for m in got] == ["Hello world.", "How are you?", "Fine, thanks!"]
    assert [m.unwrapped.index for m in got] == [0, 1, 2]
    assert all(isinstance(m.unwrapped, Sentence) and m.unwrapped.complete for m in got)
    assert {m.header.data_id for m in got} == {"doc"}
    assert got[0].header.content_type == "SENTENCE.sentences"
    assert got[0].metadata == {"user": "u1"}


def test_streams_are_separate_and_numbers_are_not_sentence_ends():
    mq, _, got, manager = _app()
    mq.publish(TOPIC, _chunk("Pi is 3.14 and", data_id="a"))
    mq.publish(TOPIC, _chunk("Other stream", data_id="b"))
    mq.publish(TOPIC, _chunk(" more. Done.", data_id="a"))
    assert [(m.header.data_id, m.unwrapped.text) for m in got] == [
        ("a", "Pi is 3.14 and more."), ("a", "Done."),
    ]
    assert [m.unwrapped.text for m in manager.get_state().pending_messages] == ["Other stream"]


def test_unfinished_sentences_expire_and_flush():
    mq, gs, got, manager = _app(partial_ttl=5, emit_partial=True, on_close="flush")
    mq.publish(TOPIC, _chunk("dangling", data_id="a"))
    assert manager.expire(gs.now() + 1) == 0
    assert manager.expire(gs.now() + 6) == 1
    assert got[-1].unwrapped == Sentence(text="dangling", index=0, complete=False)
    assert manager.grouping.stats["expired"] == 1
    mq.publish(TOPIC, _chunk("Done. also dangling", data_id="b"))
    manager.close()
    assert [m.unwrapped.text for m in got][-2:] == ["Done.", "also dangling"]
    assert got[-1].unwrapped.complete is False


def test_worker_threads_keep_every_stream_in_order():
    # the subscription's messages are handled one at a time in publish order, so the chunks
    # of 20 interleaved streams are reassembled exactly
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": 8}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    mq.create_topic(TOPIC)
    got = []
    SubscriptionManager("s", mq, gs, got.append, TOPIC, "SENTENCE")
    for word in ["One", " two.", " Three", " four."]:
        for stream in range(20):
            mq.publish(TOPIC, _chunk(word, data_id=str(stream)))
    assert mq.drain(30)
    mq.shutdown()
    by_stream = {}
    for msg in got:
        by_stream.setdefault(msg.header.data_id, []).append(msg.unwrapped.text)
    assert by_stream == {str(s): ["One two.", "Three four."] for s in range(20)}


def test_state_codec_round_trip():
    last = _chunk("tail", metadata={"k": 1})
    state = SentenceBuffer("unfinished", 3, last)
    back = codec.decode(codec.encode(state))
    assert (back.text, back.index) == ("unfinished", 3)
    assert back.last == last


@pytest.mark.parametrize(
    "config", [{"terminators": ""}, {"partial_ttl": -1}, {"on_close": "x"}, {"match_keys": [1]}]
)
def test_config_validation(config):
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    with pytest.raises((TypeError, ValueError)):
        GROUPING_FACTORY.construct({"type": "SENTENCE", "config": config}, "s", gs, TOPIC)
