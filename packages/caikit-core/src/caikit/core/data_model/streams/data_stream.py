"""``DataStream``: a lazy, re-iterable stream of data over a generator factory.

Every iteration calls the factory again, so a stream can be consumed any number of times and
transformations (``map``, ``filter``, ...) build new streams without touching the data.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import (
    Any,
    Callable,
    Generic,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from . import _sources
from ._sources import DataSourceError

T = TypeVar("T")
U = TypeVar("U")

__all__ = ["DataSourceError", "DataStream"]


class _ReplayIterator:
    """Make a one-shot iterator re-iterable by remembering what it produced."""

    def __init__(self, iterator: Iterator[Any]):
        self._iterator = iterator
        self._seen: List[Any] = []
        self._done = False

    def __call__(self) -> Iterator[Any]:
        idx = 0
        while True:
            if idx < len(self._seen):
                yield self._seen[idx]
                idx += 1
                continue
            if self._done:
                return
            try:
                item = next(self._iterator)
            except StopIteration:
                self._done = True
                return
            self._seen.append(item)


class DataStream(Generic[T]):
    """A lazy, re-iterable stream (``DataStream[T]`` works in annotations).

    ``len()`` works only where it is cheap (in-memory sources and streams derived from them
    by ``map``, ``chain``, ``shuffle``, ``eager``); ``count()`` always works by iterating.
    (An iterating ``__len__`` would make ``list(stream)`` run the generator twice.)

    Args:
        generator_func: called with ``*args, **kwargs`` at the start of every iteration; returns
            an iterable (usually a fresh generator).
    """

    def __init__(self, generator_func: Callable[..., Iterable[Any]], *args: Any, **kwargs: Any):
        if not callable(generator_func):
            raise TypeError(
                f"DataStream: generator_func must be callable, got {type(generator_func).__name__}"
            )
        self.generator_func = generator_func
        self.generator_args = args
        self.generator_kwargs = kwargs
        self._length: Optional[int] = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.generator_func(*self.generator_args, **self.generator_kwargs))

    def count(self) -> int:
        """Number of items (one full iteration unless the length is already known)."""
        if self._length is not None:
            return self._length
        return sum(1 for _ in self)

    def _sized(self, length: Optional[int]) -> DataStream[T]:
        """Mark the length as known; only then does the stream support ``len()``."""
        if length is not None:
            self._length = length
            self.__class__ = _SizedDataStream
        return self

    def __repr__(self) -> str:
        return (
            f"<DataStream over {getattr(self.generator_func, '__name__', self.generator_func)!r}>"
        )

    # -- sources ----------------------------------------------------------------------------------

    @classmethod
    def from_iterable(cls, data: Iterable[T]) -> DataStream[T]:
        """Stream over an in-memory iterable (a one-shot iterator is replayed on re-iteration)."""
        if isinstance(data, DataStream):
            return data
        if iter(data) is data:  # a one-shot iterator / generator
            stream = cls(_ReplayIterator(iter(data)))
            return stream
        stream = cls(iter, data)
        if hasattr(data, "__len__"):
            stream._sized(len(data))  # type: ignore[arg-type]
        return stream

    @classmethod
    def from_jsonl(cls, filename: str) -> DataStream[Any]:
        """One JSON value per line; a bad line raises ValueError naming the file and line."""
        return cls(_sources.read_jsonl, filename)

    @classmethod
    def from_json_array(cls, filename: str) -> DataStream[Any]:
        """The elements of a file holding a JSON array."""
        return cls(_sources.read_json_array, filename)

    @classmethod
    def from_csv(
        cls, filename: str, skip: int = 0, *csv_args: Any, **csv_kwargs: Any
    ) -> DataStream[List[str]]:
        """CSV rows as lists of strings, skipping the first ``skip`` rows."""
        return cls(_sources.read_csv, filename, skip, *csv_args, **csv_kwargs)  # type: ignore[return-value]

    @classmethod
    def from_header_csv(cls, filename: str, *csv_args: Any, **csv_kwargs: Any) -> DataStream[dict]:
        """CSV rows as dicts keyed by the header row."""
        return cls(_sources.read_header_csv, filename, *csv_args, **csv_kwargs)  # type: ignore[return-value]

    @classmethod
    def from_txt(cls, filename: str) -> DataStream[str]:
        """The lines of a text file."""
        return cls(_sources.read_text_lines, filename)  # type: ignore[return-value]

    @classmethod
    def from_file(
        cls, filename: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]
    ) -> DataStream[Any]:
        """Dispatch on extension (``.json`` array, ``.jsonl``, ``.csv`` with header, ``.txt``,
        multipart bodies); a directory streams all its files, a list of files chains them."""
        if not isinstance(filename, (str, os.PathLike)):
            return cls.from_files(filename)
        path = os.fspath(filename)
        if not os.path.exists(path):
            raise DataSourceError(path, None, "no such file or directory")
        return cls(_sources.read_any, path)

    @classmethod
    def from_files(cls, filenames: Sequence[Union[str, os.PathLike]]) -> DataStream[Any]:
        """Chain several files (each read as by ``from_file``)."""
        paths = [os.fspath(f) for f in filenames]
        for path in paths:
            if not os.path.exists(path):
                raise DataSourceError(path, None, "no such file or directory")

        def read_all():
            for path in paths:
                yield from _sources.read_any(path)

        return cls(read_all)

    @classmethod
    def from_directory(cls, dirname: Union[str, os.PathLike]) -> DataStream[Any]:
        """All (non-hidden) files of a directory in name order."""
        path = os.fspath(dirname)
        if not os.path.isdir(path):
            raise DataSourceError(path, None, "not a directory")
        return cls(_sources.read_any, path)

    @classmethod
    def from_json_collection(
        cls, dirname: Union[str, os.PathLike], extension: str = "json"
    ) -> DataStream[Any]:
        """The elements of every ``*.<extension>`` JSON array file of a directory (name order)."""
        return cls._collection(dirname, extension, _sources.read_json_array)

    @classmethod
    def from_jsonl_collection(cls, dirname: Union[str, os.PathLike]) -> DataStream[Any]:
        """The records of every ``*.jsonl`` file of a directory (name order)."""
        return cls._collection(dirname, "jsonl", _sources.read_jsonl)

    @classmethod
    def from_csv_collection(cls, dirname: Union[str, os.PathLike]) -> DataStream[dict]:
        """The rows (as header-keyed dicts) of every ``*.csv`` file of a directory."""
        return cls._collection(dirname, "csv", _sources.read_header_csv)

    @classmethod
    def from_txt_collection(
        cls, dirname: Union[str, os.PathLike], extension: str = "txt"
    ) -> DataStream[str]:
        """The lines of every ``*.<extension>`` file of a directory (name order)."""
        return cls._collection(dirname, extension, _sources.read_text_lines)

    @classmethod
    def _collection(
        cls, dirname, extension: str, reader: Callable[[str], Iterable[Any]]
    ) -> DataStream[Any]:
        path = os.fspath(dirname)
        if not os.path.isdir(path):
            raise DataSourceError(path, None, "not a directory")
        suffix = "." + extension.lstrip(".")

        def read_all():
            for entry in sorted(os.listdir(path)):
                if entry.startswith("."):
                    continue
                if entry.endswith(suffix) and os.path.isfile(os.path.join(path, entry)):
                    yield from reader(os.path.join(path, entry))

        return cls(read_all)

    @classmethod
    def from_multipart_file(cls, filename: Union[str, os.PathLike]) -> DataStream[Any]:
        """Records of every part of a file holding a multipart/form-data body."""
        return cls(_sources.read_multipart, os.fspath(filename))

    # -- transformations --------------------------------------------------------------------------

    def map(self, func: Callable[..., U], *args: Any, **kwargs: Any) -> DataStream[U]:
        """Apply ``func(item, *args, **kwargs)`` to every item."""

        def mapped():
            for item in self:
                yield func(item, *args, **kwargs)

        return DataStream(mapped)._sized(self._length)

    def filter(
        self, predicate: Callable[..., Any] = bool, *args: Any, **kwargs: Any
    ) -> DataStream[T]:
        """Keep the items for which ``predicate(item, *args, **kwargs)`` is true (default: the
        truthy items)."""

        def filtered():
            for item in self:
                if predicate(item, *args, **kwargs):
                    yield item

        return DataStream(filtered)

    def flatten(self) -> DataStream[Any]:
        """Yield the elements of every (iterable) item; strings and bytes stay whole."""

        def flattened():
            for item in self:
                if isinstance(item, (str, bytes, dict)) or not hasattr(item, "__iter__"):
                    yield item
                else:
                    yield from item

        return DataStream(flattened)

    def zip(self, *others: Iterable[Any]) -> DataStream[Tuple[Any, ...]]:
        """Tuples of corresponding items; the streams must have the same length."""

        def zipped():
            iters = [iter(self)] + [iter(o) for o in others]
            sentinel = object()
            for row in itertools.zip_longest(*iters, fillvalue=sentinel):
                if any(v is sentinel for v in row):
                    raise ValueError("DataStream.zip: streams have different lengths")
                yield row

        return DataStream(zipped)

    def chain(self, *others: Iterable[Any]) -> DataStream[Any]:
        """This stream followed by the others."""

        def chained():
            yield from self
            for other in others:
                yield from other

        lengths = [self._length] + [_known_length(o) for o in others]
        known = None if any(n is None for n in lengths) else sum(lengths)  # type: ignore[arg-type]
        return DataStream(chained)._sized(known)

    def __add__(self, other: Iterable[Any]) -> DataStream[Any]:
        return self.chain(other)

    def peek(self) -> T:
        """The first item (raises StopIteration... as ValueError when the stream is empty)."""
        for item in self:
            return item
        raise ValueError("DataStream.peek: the stream is empty")

    def shuffle(self, buffer_size: int, seed: Optional[int] = None) -> DataStream[T]:
        """Shuffle through a bounded buffer; with a ``seed`` every iteration gives the same order.

        A buffer at least as long as the stream gives a full uniform shuffle.
        """
        if not isinstance(buffer_size, int) or isinstance(buffer_size, bool) or buffer_size < 1:
            raise ValueError(
                f"DataStream.shuffle: buffer_size must be a positive int, got {buffer_size!r}"
            )
        seed_value = seed if seed is not None else random.randrange(2**32)

        def shuffled():
            rng = random.Random(seed_value)
            buffer: List[Any] = []
            for item in self:
                if len(buffer) < buffer_size:
                    buffer.append(item)
                    continue
                idx = rng.randrange(buffer_size)
                out, buffer[idx] = buffer[idx], item
                yield out
            rng.shuffle(buffer)
            yield from buffer

        return DataStream(shuffled)._sized(self._length)

    def train_test_split(
        self, test_split: float = 0.25, seed: Optional[int] = None
    ) -> Tuple[DataStream[T], DataStream[T]]:
        """Split into (train, test) streams; each item lands in test with probability
        ``test_split`` (deterministic for a given seed)."""
        if not 0.0 <= float(test_split) <= 1.0:
            raise ValueError(
                f"DataStream.train_test_split: test_split must be in [0, 1], got {test_split!r}"
            )
        seed_value = seed if seed is not None else random.randrange(2**32)

        def part(want_test: bool):
            def gen():
                rng = random.Random(seed_value)
                for item in self:
                    if (rng.random() < test_split) == want_test:
                        yield item

            return gen

        return DataStream(part(False)), DataStream(part(True))

    def eager(self) -> DataStream[T]:
        """Materialize the stream once into memory."""
        return DataStream.from_iterable(list(self))

    def batch(self, batch_size: int) -> DataStream[List[T]]:
        """Group items into lists of ``batch_size`` (the last may be shorter)."""
        if batch_size < 1:
            raise ValueError(f"DataStream.batch: batch_size must be >= 1, got {batch_size!r}")

        def batched():
            it = iter(self)
            while True:
                chunk = list(itertools.islice(it, batch_size))
                if not chunk:
                    return
                yield chunk

        return DataStream(batched)

    def augment(
        self,
        augmentor: Any,
        augment_factor: int,
        post_augment_func: Optional[Callable[[Any], Any]] = None,
        augment_index: Optional[int] = None,
        enforce_determinism: bool = True,
    ) -> DataStream[Any]:
        """The original items followed by ``augment_factor`` augmented passes over them.

        Args:
            augmentor: an ``AugmentorBase`` (its ``augment`` is applied to every item).
            augment_factor: number of augmented copies of the stream to append (>= 1).
            post_augment_func: applied to every output item, originals included (e.g. a type
                conversion so the next augmentor gets the type it expects).
            augment_index: for tuple (or list) items, augment only this position and keep the
                rest (e.g. augment the text of ``(text, label)`` pairs).
            enforce_determinism: reset the augmentor's seed at the start of every iteration so
                that re-iterating gives the same items.

        Raises:
            TypeError: ``augmentor`` has no ``augment`` method.
            ValueError: ``augment_factor`` is not a positive int.
        """
        if not callable(getattr(augmentor, "augment", None)):
            raise TypeError(
                f"DataStream.augment: expected an augmentor, got {type(augmentor).__name__}"
            )
        if (
            not isinstance(augment_factor, int)
            or isinstance(augment_factor, bool)
            or augment_factor < 1
        ):
            raise ValueError(
                f"DataStream.augment: augment_factor must be a positive int, got {augment_factor!r}"
            )
        if post_augment_func is not None and not callable(post_augment_func):
            raise TypeError("DataStream.augment: post_augment_func must be callable")
        post = post_augment_func or (lambda item: item)

        def augmented():
            if enforce_determinism and hasattr(augmentor, "reset"):
                augmentor.reset()
            for item in self:
                yield post(item)
            for _ in range(augment_factor):
                for item in self:
                    if augment_index is None:
                        result = augmentor.augment(item)
                        if result is None:
                            continue
                    else:
                        if not isinstance(item, (tuple, list)):
                            raise TypeError(
                                "DataStream.augment: augment_index needs tuple or list items, "
                                f"got {type(item).__name__} {item!r}"
                            )
                        part = augmentor.augment(item[augment_index])
                        if part is None:
                            continue
                        result = type(item)(
                            part if idx == augment_index else value
                            for idx, value in enumerate(item)
                        )
                    yield post(result)

        return DataStream(augmented)


class _SizedDataStream(DataStream[T]):
    """A DataStream whose length is known without iterating."""

    def __len__(self) -> int:
        return self._length  # type: ignore[return-value]


def _known_length(obj: Any) -> Optional[int]:
    if isinstance(obj, DataStream):
        return obj._length  # pylint: disable=protected-access
    return len(obj) if hasattr(obj, "__len__") else None
