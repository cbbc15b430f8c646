"""The demo: the shipped dataset is well formed, and train_demo_models / ``python -m
text_lib.demo`` save four models that caikit.load brings back."""
import collections
import subprocess
import sys

import caikit
import pytest
from text_lib import (
    HashedNgramEmbedder,
    LexiconTokenClassifier,
    NaiveBayesClassifier,
    RegexTokenizer,
    datasets,
)
from text_lib.demo import train_demo_models

EXPECTED = {
    "ticket-classifier": NaiveBayesClassifier,
    "tokenizer": RegexTokenizer,
    "entity-tagger": LexiconTokenClassifier,
    "embedder": HashedNgramEmbedder,
}


def test_dataset_is_balanced_and_consistent():
    records = datasets.classification_records()
    assert len(records) == 52
    assert collections.Counter(r.labels[0] for r in records) == {
        "billing": 13,
        "shipping": 13,
        "technical": 13,
        "account": 13,
    }
    assert [r.text for r in datasets.entity_records()] == [r.text for r in records]


def test_missing_dataset_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="TEXT_LIB_DATA_DIR"):
        datasets.data_dir(tmp_path)


def test_train_demo_models(tmp_path):
    saved = train_demo_models(tmp_path / "models")
    assert {k: v.name for k, v in saved.items()} == {k: k for k in EXPECTED}
    for model_id, cls in EXPECTED.items():
        model = caikit.load(str(saved[model_id]))
        assert type(model) is cls
    classifier = caikit.load(str(saved["ticket-classifier"]))
    assert classifier.run("I was charged twice, please refund me").results[0].label == "billing"
    assert classifier.run("I forgot my password").results[0].label == "account"
    assert classifier.run("Where is my package?").results[0].label == "shipping"
    assert classifier.run("The router keeps dropping wifi").results[0].label == "technical"


def test_command_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "text_lib.demo", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(line.split(":")[0] for line in out.stdout.splitlines()) == sorted(EXPECTED)
    assert all((tmp_path / model_id / "config.yml").is_file() for model_id in EXPECTED)
