"""Augmentors: AugmentorBase contract and DataStream.augment."""

import random

import pytest
from caikit.core.augmentors import AugmentorBase, MergedAugmentor
from caikit.core.data_model import DataStream


class Doubling(AugmentorBase):
    augmentor_type = int

    def _augment(self, val):
        return val * 2


class Noise(AugmentorBase):
    augmentor_type = float

    def __init__(self, random_seed=42, range_size=1.0):
        self._range_size = range_size
        super().__init__(random_seed, False)

    def _augment(self, val):
        return val + (random.random() - 0.5) * self._range_size


class DropOdd(AugmentorBase):
    augmentor_type = int

    def _augment(self, val):
        return None if val % 2 else val


class Broken(AugmentorBase):
    augmentor_type = int

    def _augment(self, val):
        return str(val)


def test_seed_example_shape():
    stream = (
        DataStream.from_iterable(range(10))
        .augment(Doubling(42, False), 1, post_augment_func=float)
        .augment(Noise(), 1)
    )
    values = list(stream)
    assert len(values) == 40
    assert values[:20] == [float(i) for i in range(10)] + [float(2 * i) for i in range(10)]
    assert all(isinstance(v, float) for v in values)
    assert all(abs(a - b) <= 0.5 for a, b in zip(values[20:], values[:20]))
    assert values[20:] != values[:20]


def test_augmented_stream_is_deterministic_across_iterations():
    stream = DataStream.from_iterable([1.0, 2.0, 3.0]).augment(Noise(7), 2)
    assert list(stream) == list(stream)
    other_seed = DataStream.from_iterable([1.0, 2.0, 3.0]).augment(Noise(8), 2)
    assert list(other_seed) != list(stream)


def test_augment_factor_adds_that_many_passes():
    assert list(DataStream.from_iterable([1, 2]).augment(Doubling(1), 2)) == [1, 2, 2, 4, 2, 4]


def test_augment_index_for_tuples():
    stream = DataStream.from_iterable([(1, "a"), (2, "b")]).augment(Doubling(1), 1, augment_index=0)
    assert list(stream) == [(1, "a"), (2, "b"), (2, "a"), (4, "b")]


def test_produces_none_drops_items():
    assert list(DataStream.from_iterable([1, 2, 4]).augment(DropOdd(1, True), 1)) == [1, 2, 4, 2, 4]
    with pytest.raises(TypeError, match="produces_none is False"):
        DropOdd(1, False).augment(3)


def test_type_checks_on_input_and_output():
    with pytest.raises(TypeError, match="expected int, got str"):
        Doubling(1).augment("x")
    with pytest.raises(TypeError, match="must return int"):
        Broken(1).augment(1)
    with pytest.raises(TypeError, match="expected int"):
        list(DataStream.from_iterable(["a"]).augment(Doubling(1), 1))


def test_constructor_and_augment_argument_validation():
    with pytest.raises(TypeError, match="random_seed"):
        Doubling("x")
    with pytest.raises(ValueError, match="augment_factor"):
        DataStream.from_iterable([1]).augment(Doubling(1), 0)
    with pytest.raises(TypeError, match="augmentor"):
        DataStream.from_iterable([1]).augment(object(), 1)

    class NoType(AugmentorBase):
        def _augment(self, val):
            return val

    with pytest.raises(TypeError, match="augmentor_type"):
        NoType(1)


def test_merged_augmentor_applies_in_order():
    merged = MergedAugmentor([Doubling(1), Doubling(2)])
    assert merged.augment(3) == 12
    with pytest.raises(TypeError, match="disagree"):
        MergedAugmentor([Doubling(1), Noise()])
