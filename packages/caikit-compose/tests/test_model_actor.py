"""ModelActor: topics from signatures, lineage, groupings, replicas, streaming outputs."""
from typing import Iterable, List

import pytest
from caikit.core import ModuleBase, TaskBase, module, task
from caikit.core.data_model import DataObjectBase, DataStream, dataobject
from caikit_compose import GROUP_STORE_FACTORY, MQ_FACTORY, ActorBase, Message
from caikit_compose.actors.model_actor import ActorMethod, ModelActor

PKG = "compose_tests.actors"


@dataobject(package=PKG)
class RawText(DataObjectBase):
    text: str


@dataobject(package=PKG)
class WordCount(DataObjectBase):
    count: int


@dataobject(package=PKG)
class Keywords(DataObjectBase):
    words: List[str]


@dataobject(package=PKG)
class Summary(DataObjectBase):
    line: str


@task(unary_parameters={"text": RawText}, unary_output_type=WordCount)
class CountTask(TaskBase):
    """Count words."""


@module("compose-test-counter", "Counter", "0.0.1", task=CountTask)
class Counter(ModuleBase):
    def __init__(self):
        self.calls = 0

    def run(self, text: RawText, min_length: int = 0) -> WordCount:
        self.calls += 1
        return WordCount(count=len([w for w in text.text.split() if len(w) >= min_length]))


@task(unary_parameters={"text": RawText, "counts": WordCount}, unary_output_type=Summary)
class SummaryTask(TaskBase):
    """Combine two inputs."""


@module("compose-test-summarizer", "Summarizer", "0.0.1", task=SummaryTask)
class Summarizer(ModuleBase):
    def run(self, text: RawText, counts: WordCount) -> Summary:
        return Summary(line=f"{text.text!r} has {counts.count} words")


@task(
    unary_parameters={"text": str},
    unary_output_type=Keywords,
    streaming_output_type=Iterable[str],
)
class KeywordTask(TaskBase):
    """Primitive input; a streaming flavour with primitive items."""


@module("compose-test-keywords", "Keywords", "0.0.1", task=KeywordTask)
class KeywordFinder(ModuleBase):
    @KeywordTask.taskmethod()
    def run(self, text: str) -> Keywords:
        return Keywords(words=[w for w in text.split() if w.istitle()])

    @KeywordTask.taskmethod(output_streaming=True)
    def run_stream(self, text: str) -> DataStream[str]:
        return DataStream.from_iterable(w for w in text.split() if w.istitle())


@module("compose-test-untasked", "Untasked", "0.0.1")
class Untasked(ModuleBase):
    def run(self, text: RawText) -> WordCount:
        return WordCount(count=1)

    def shout(self, text: RawText) -> RawText:
        return RawText(text=text.text.upper())


def _setup(threads=0):
    mq = MQ_FACTORY.construct({"type": "LOCAL", "config": {"threads": threads}})
    gs = GROUP_STORE_FACTORY.construct({"type": "LOCAL"})
    return mq, gs


def _collect(mq, topic):
    got = []
    mq.create_topic(topic)
    mq.subscribe(topic, f"observer-{topic}", got.append)
    return got


def test_single_input_individual_with_lineage():
    mq, gs = _setup()
    actor = ModelActor(Counter())
    assert isinstance(actor, ActorBase)
    (method,) = actor.actor_methods
    assert isinstance(method, ActorMethod)
    assert (method.task_name, method.method_name) == ("CountTask", "run")
    assert method.input_topics == [RawText.full_name]
    assert method.grouping_type == "INDIVIDUAL"
    assert method.output_topic == WordCount.full_name
    (manager,) = actor.subscribe(mq, gs)
    assert manager.id == "Counter.run"
    assert set(mq.topics()) >= {RawText.full_name, WordCount.full_name}
    got = _collect(mq, WordCount.full_name)
    mq.publish(RawText.full_name, Message.from_data(
        RawText(text="a bb ccc"), data_id="doc-1", roi_id=2, metadata={"user": "u"}))
    (out,) = got
    assert out.unwrapped.count == 3
    assert (out.header.data_id, out.header.roi_id, out.metadata) == ("doc-1", 2, {"user": "u"})


def test_optional_parameters_come_from_metadata():
    mq, gs = _setup()
    ModelActor(Counter()).subscribe(mq, gs)
    got = _collect(mq, WordCount.full_name)
    mq.publish(RawText.full_name,
               Message.from_data(RawText(text="a bb ccc"), metadata={"min_length": 2}))
    assert got[0].unwrapped.count == 2


def test_several_inputs_use_key_grouping_and_keep_lineage():
    mq, gs = _setup()
    actor = ModelActor(Summarizer())
    (method,) = actor.actor_methods
    assert method.grouping_type == "KEY_GROUPING"
    assert method.input_topics == [RawText.full_name, WordCount.full_name]
    ModelActor(Counter()).subscribe(mq, gs)
    actor.subscribe(mq, gs)
    got = _collect(mq, Summary.full_name)
    mq.publish(RawText.full_name,
               Message.from_data(RawText(text="x y"), data_id="d7", metadata={"k": 1}))
    (out,) = got
    assert out.unwrapped.line == "'x y' has 2 words"
    assert out.header.data_id == "d7"
    assert out.metadata == {"k": 1}


def test_grouping_config_reaches_the_grouping():
    mq, gs = _setup()
    (manager,) = ModelActor(Summarizer()).subscribe(mq, gs, match_keys=["metadata.k"])
    assert manager.grouping.match_keys == ["metadata.k"]
    got = _collect(mq, Summary.full_name)
    mq.publish(RawText.full_name, Message.from_data(RawText(text="a"), metadata={"k": "j"}))
    mq.publish(WordCount.full_name, Message.from_data(WordCount(count=5), metadata={"k": "j"}))
    assert got[0].unwrapped.line == "'a' has 5 words"


def test_primitive_inputs_get_a_request_object_and_streams_publish_each_item():
    mq, gs = _setup()
    actor = ModelActor(KeywordFinder())
    unary, stream = actor.actor_methods
    assert unary.request_type.full_name == "caikit_data_model.KeywordTaskUnaryUnary"
    assert stream.request_type.full_name == "caikit_data_model.KeywordTaskUnaryStream"
    assert stream.output_streaming and stream.output_type is str
    assert stream.output_topic == "caikit_data_model.KeywordTaskUnaryStreamOutput"
    actor.subscribe(mq, gs)
    words = _collect(mq, stream.output_topic)
    keywords = _collect(mq, Keywords.full_name)
    request = stream.request_type(text="Alice met Bob")
    mq.publish(stream.request_type.full_name, Message.from_data(request, data_id="r1"))
    assert [m.unwrapped.value for m in words] == ["Alice", "Bob"]
    assert {m.header.data_id for m in words} == {"r1"}
    mq.publish(unary.request_type.full_name,
               Message.from_data(unary.request_type(text="Carol and Dan")))
    assert keywords[0].unwrapped.words == ["Carol", "Dan"]


def test_request_objects_are_reused():
    first = ModelActor(KeywordFinder()).actor_methods[0].request_type
    second = ModelActor(KeywordFinder()).actor_methods[0].request_type
    assert first is second


def test_untasked_module_serves_run_or_named_methods():
    mq, gs = _setup()
    assert [m.method_name for m in ModelActor(Untasked()).actor_methods] == ["run"]
    actor = ModelActor(Untasked(), ["shout"])
    (method,) = actor.actor_methods
    assert method.input_topics == [RawText.full_name] and method.output_topic == RawText.full_name
    (manager,) = actor.subscribe(mq, gs)
    assert manager.id == "Untasked.shout"
    with pytest.raises(ValueError, match="Invalid actor method"):
        ModelActor(Untasked(), ["nope"])
    with pytest.raises(TypeError):
        ModelActor(Untasked(), "run")


def test_replicas_share_the_work(any_mq, gs):
    models = [Counter(), Counter()]
    for model in models:
        ModelActor(model).subscribe(any_mq, gs)
    got = _collect(any_mq, WordCount.full_name)
    for i in range(20):
        any_mq.publish(RawText.full_name, Message.from_data(RawText(text="w " * i), data_id=str(i)))
    assert any_mq.drain(30)
    assert sorted(int(m.header.data_id) for m in got) == list(range(20))
    assert sorted(m.unwrapped.count for m in got) == list(range(20))
    assert [m.calls for m in models] == [10, 10]


def test_two_configured_instances_are_separate_actors(mq, gs):
    a, b = Counter(), Counter()
    ModelActor(a, actor_id="counter-a").subscribe(mq, gs)
    ModelActor(b, actor_id="counter-b").subscribe(mq, gs)
    mq.publish(RawText.full_name, Message.from_data(RawText(text="x")))
    assert (a.calls, b.calls) == (1, 1)


def test_model_errors_are_logged_by_the_queue(mq, gs):
    class Broken(Counter):
        def run(self, text: RawText, min_length: int = 0) -> WordCount:
            raise RuntimeError("model failed")

    ModelActor(Broken(), ["run"]).subscribe(mq, gs)
    mq.publish(RawText.full_name, Message.from_data(RawText(text="x")))
    assert mq.handler_errors == 1


def test_unsubscribe(mq, gs):
    model = Counter()
    actor = ModelActor(model)
    actor.subscribe(mq, gs)
    actor.unsubscribe()
    mq.publish(RawText.full_name, Message.from_data(RawText(text="x")))
    assert model.calls == 0


def test_request_type_feeds_primitive_parameters_from_a_shared_topic(mq, gs):
    ModelActor(KeywordFinder(), ["run"], request_type=RawText).subscribe(mq, gs)
    ModelActor(Counter()).subscribe(mq, gs)  # takes the RawText itself
    keywords = _collect(mq, Keywords.full_name)
    counts = _collect(mq, WordCount.full_name)
    mq.publish(RawText.full_name, Message.from_data(RawText(text="Ann met Bo")))
    assert keywords[0].unwrapped.words == ["Ann", "Bo"]
    assert counts[0].unwrapped.count == 3
    with pytest.raises(ValueError, match="lacks"):
        ModelActor(KeywordFinder(), ["run"], request_type=WordCount)
