"""Train the demo models on the shipped dataset and save them for ``python -m caikit.runtime``.

    python -m text_lib.demo models/          # then: RUNTIME_LIBRARY=text_lib python -m caikit.runtime

Each model is saved in ``<models_dir>/<model id>``, the layout the runtime's local model
directory (``runtime.local_models_dir``) loads at boot, with these ids:

* ``ticket-classifier`` -- ``NaiveBayesClassifier``
* ``tokenizer`` -- ``RegexTokenizer``
* ``entity-tagger`` -- ``LexiconTokenClassifier``
* ``embedder`` -- ``HashedNgramEmbedder``
"""
import argparse
import os
import pathlib
from typing import Dict, Optional, Union

from caikit.core import ModuleBase
from caikit.core.data_model import DataStream

from . import datasets
from .modules import (
    HashedNgramEmbedder,
    LexiconTokenClassifier,
    NaiveBayesClassifier,
    RegexTokenizer,
)

CLASSIFIER_ID = "ticket-classifier"
TOKENIZER_ID = "tokenizer"
TAGGER_ID = "entity-tagger"
EMBEDDER_ID = "embedder"


def train_demo_models(
    models_dir: Union[str, os.PathLike],
    data_dir: Optional[Union[str, os.PathLike]] = None,
) -> Dict[str, pathlib.Path]:
    """Train the four demo models and save them under ``models_dir``.

    Args:
        models_dir: where to save (created if missing); existing models are overwritten.
        data_dir: the dataset directory (default: see :func:`text_lib.datasets.data_dir`).

    Returns:
        model id -> saved model directory.
    """
    root = pathlib.Path(models_dir)
    root.mkdir(parents=True, exist_ok=True)
    models: Dict[str, ModuleBase] = {
        CLASSIFIER_ID: NaiveBayesClassifier.train(
            DataStream.from_iterable(datasets.classification_records(data_dir))
        ),
        TOKENIZER_ID: RegexTokenizer.train(),
        TAGGER_ID: LexiconTokenClassifier.train(
            DataStream.from_iterable(datasets.entity_records(data_dir))
        ),
        EMBEDDER_ID: HashedNgramEmbedder.train(DataStream.from_iterable(datasets.texts(data_dir))),
    }
    saved = {}
    for model_id, model in models.items():
        path = root / model_id
        model.save(str(path))
        saved[model_id] = path
    return saved


def main(argv=None) -> int:
    """Command line: ``python -m text_lib.demo MODELS_DIR [--data-dir DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m text_lib.demo", description=__doc__.split("\n")[0])
    parser.add_argument("models_dir", help="directory to save the models in")
    parser.add_argument("--data-dir", default=None, help="dataset directory (default: examples/data)")
    args = parser.parse_args(argv)
    for model_id, path in train_demo_models(args.models_dir, args.data_dir).items():
        print(f"{model_id}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
