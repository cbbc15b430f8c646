"""NaiveBayesClassifier: trains on labelled texts, ranks labels, survives save and load."""
import math

import pytest
from caikit.core.data_model import DataStream
from caikit.interfaces.nlp.data_model import ClassificationResults, ClassificationTrainRecord
from caikit.interfaces.nlp.tasks import TextClassificationTask
from text_lib import NaiveBayesClassifier, datasets

TOY = [
    ClassificationTrainRecord(text="refund my payment", labels=["billing"]),
    ClassificationTrainRecord(text="I was charged twice, refund please", labels=["billing"]),
    ClassificationTrainRecord(text="where is my package", labels=["shipping"]),
    ClassificationTrainRecord(text="the package delivery is late", labels=["shipping"]),
]


@pytest.fixture(scope="module")
def toy_model():
    return NaiveBayesClassifier.train(DataStream.from_iterable(TOY))


def test_module_identity():
    assert NaiveBayesClassifier.MODULE_ID == "7c1e0d6a-3f4b-4a8e-9b2d-5e6f70818a91"
    assert NaiveBayesClassifier.tasks == [TextClassificationTask]


def test_predicts_the_label_with_most_evidence(toy_model):
    result = toy_model.run("please refund the payment")
    assert isinstance(result, ClassificationResults)
    assert [r.label for r in result.results] == ["billing", "shipping"]
    assert math.isclose(sum(r.score for r in result.results), 1.0)
    assert toy_model.run("my package is late").results[0].label == "shipping"


def test_unknown_words_leave_the_prior(toy_model):
    scores = {r.label: r.score for r in toy_model.run("zzz qqq").results}
    assert scores == pytest.approx({"billing": 0.5, "shipping": 0.5})


def test_posteriors_match_a_hand_computation():
    records = [
        ClassificationTrainRecord(text="a a b", labels=["x"]),
        ClassificationTrainRecord(text="b c", labels=["y"]),
    ]
    model = NaiveBayesClassifier.train(records, alpha=1.0)
    # vocabulary {a, b, c}; counts x: a=2 b=1 (3 words), y: b=1 c=1 (2 words); priors 1/2 each
    p_x = (2 + 1) / (3 + 3)
    p_y = (0 + 1) / (2 + 3)
    expected_x = p_x / (p_x + p_y)
    scores = {r.label: r.score for r in model.run("a").results}
    assert scores["x"] == pytest.approx(expected_x)


def test_multi_label_records_count_for_each_label():
    model = NaiveBayesClassifier.train(
        [ClassificationTrainRecord(text="late refund", labels=["billing", "shipping"])]
    )
    assert model.labels == ["billing", "shipping"]


def test_dict_records_are_accepted():
    model = NaiveBayesClassifier.train([{"text": "hello there", "labels": ["greeting"]}])
    assert model.run("hello").results[0].label == "greeting"


def test_training_without_labels_fails():
    with pytest.raises(ValueError, match="at least one label"):
        NaiveBayesClassifier.train([ClassificationTrainRecord(text="no labels", labels=[])])


def test_alpha_must_be_positive():
    with pytest.raises(ValueError, match="alpha must be > 0"):
        NaiveBayesClassifier.train(TOY, alpha=0.0)


def test_save_and_load_give_the_same_scores(toy_model, tmp_path):
    toy_model.save(str(tmp_path / "model"))
    assert (tmp_path / "model" / "config.yml").is_file()
    loaded = NaiveBayesClassifier.load(str(tmp_path / "model"))
    for text in ("refund", "package late", "nothing known"):
        assert loaded.run(text) == toy_model.run(text)


def test_shipped_dataset_leave_one_out_accuracy():
    records = datasets.classification_records()
    correct = 0
    for index, record in enumerate(records):
        model = NaiveBayesClassifier.train(records[:index] + records[index + 1 :])
        correct += model.run(record.text).results[0].label == record.labels[0]
    assert correct / len(records) >= 0.85
