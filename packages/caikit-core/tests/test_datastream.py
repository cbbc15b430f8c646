"""DataStream: laziness, re-iteration, sources (with file/line errors) and transformations."""

import os
import typing
from typing import List

import pytest
from caikit.core.data_model import DataStream
from caikit.core.data_model.streams import DataSourceError
from caikit.core.data_model.streams.data_stream import DataStream as DataStreamFromModule


def write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return str(path)


def test_same_class_from_both_import_paths():
    assert DataStream is DataStreamFromModule


def test_generic_subscription_for_annotations():
    alias = DataStream[str]
    assert typing.get_origin(alias) is DataStream
    assert typing.get_args(alias) == (str,)


def test_lazy_and_reiterable_over_a_generator_factory():
    calls = []

    def factory():
        calls.append(1)
        yield from (1, 2, 3)

    stream = DataStream(factory)
    assert calls == []
    assert list(stream) == [1, 2, 3]
    assert list(stream) == [1, 2, 3]
    assert len(calls) == 2


def test_factory_arguments_are_passed_through():
    stream = DataStream(range, 2, 5)
    assert list(stream) == [2, 3, 4]


def test_non_callable_factory_is_rejected():
    with pytest.raises(TypeError, match="callable"):
        DataStream([1, 2])


def test_from_iterable_and_len():
    stream = DataStream.from_iterable((1, 2, 3, 4))
    assert list(stream) == list(stream) == [1, 2, 3, 4]
    assert len(stream) == 4
    assert len(stream.map(str)) == 4 and len(stream.shuffle(2, seed=1)) == 4


def test_len_only_where_cheap_and_count_always():
    calls = []

    def factory():
        calls.append(1)
        return iter("abc")

    stream = DataStream(factory)
    with pytest.raises(TypeError):
        len(stream)
    assert list(stream) == ["a", "b", "c"]
    assert len(calls) == 1  # list() did not iterate twice to find a length
    assert stream.count() == 3
    assert len(stream.eager()) == 3


def test_from_iterable_replays_a_one_shot_generator():
    stream = DataStream.from_iterable(x * 2 for x in range(3))
    assert list(stream) == [0, 2, 4]
    assert list(stream) == [0, 2, 4]


def test_map_filter_flatten():
    stream = DataStream.from_iterable(range(6))
    assert list(stream.map(lambda x, k: x * k, 10)) == [0, 10, 20, 30, 40, 50]
    assert list(stream.filter(lambda x: x % 2)) == [1, 3, 5]
    assert list(stream.filter()) == [1, 2, 3, 4, 5]
    nested = DataStream.from_iterable([[1, 2], (3,), "ab", 4])
    assert list(nested.flatten()) == [1, 2, 3, "ab", 4]


def test_zip_and_chain():
    a = DataStream.from_iterable([1, 2])
    b = DataStream.from_iterable("xy")
    assert list(a.zip(b)) == [(1, "x"), (2, "y")]
    assert list(DataStream.zip(a, b)) == [(1, "x"), (2, "y")]
    assert list(a.chain(b, [9])) == [1, 2, "x", "y", 9]
    assert list(a + b) == [1, 2, "x", "y"]
    assert len(a.chain(b)) == 4
    with pytest.raises(ValueError, match="different lengths"):
        list(a.zip(DataStream.from_iterable([1])))


def test_peek():
    assert DataStream.from_iterable([5, 6]).peek() == 5
    with pytest.raises(ValueError, match="empty"):
        DataStream.from_iterable([]).peek()


def test_shuffle_is_seeded_bounded_and_a_permutation():
    stream = DataStream.from_iterable(range(100))
    shuffled = stream.shuffle(10, seed=3)
    first = list(shuffled)
    assert sorted(first) == list(range(100))
    assert first != list(range(100))
    assert list(shuffled) == first
    assert list(stream.shuffle(10, seed=3)) == first
    assert list(stream.shuffle(10, seed=4)) != first
    # with a buffer of 10 an item can move at most ~10 places earlier
    assert all(pos >= value - 10 for pos, value in enumerate(first))
    with pytest.raises(ValueError):
        stream.shuffle(0)


def test_train_test_split_partitions_deterministically():
    stream = DataStream.from_iterable(range(200))
    train, test = stream.train_test_split(0.25, seed=7)
    assert sorted(list(train) + list(test)) == list(range(200))
    assert 20 < test.count() < 80
    assert list(train) == list(stream.train_test_split(0.25, seed=7)[0])
    with pytest.raises(ValueError):
        stream.train_test_split(1.5)


def test_eager_materializes_once():
    calls = []

    def factory():
        calls.append(1)
        return iter([1, 2])

    eager = DataStream(factory).eager()
    assert list(eager) == list(eager) == [1, 2]
    assert len(calls) == 1


def test_batch():
    assert list(DataStream.from_iterable(range(5)).batch(2)) == [[0, 1], [2, 3], [4]]


# -- file sources -----------------------------------------------------------------------------


def test_from_jsonl(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"a": 1}\n\n{"a": 2}\n')
    assert list(DataStream.from_jsonl(path)) == [{"a": 1}, {"a": 2}]


def test_from_jsonl_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.jsonl", '{"a": 1}\n{"a": \n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: invalid JSON") as info:
        list(DataStream.from_jsonl(path))
    assert isinstance(info.value, DataSourceError)
    assert (info.value.filename, info.value.line) == (path, 2)


def test_from_json_array(tmp_path):
    path = write(tmp_path / "d.json", '[{"a": 1},\n {"a": 2}]')
    assert list(DataStream.from_json_array(path)) == [{"a": 1}, {"a": 2}]
    bad = write(tmp_path / "bad.json", '[{"a": 1},\n {"a": }]')
    with pytest.raises(ValueError, match=r"bad\.json:2"):
        list(DataStream.from_json_array(bad))
    scalar = write(tmp_path / "scalar.json", "3")
    with pytest.raises(ValueError, match="expected a JSON array"):
        list(DataStream.from_json_array(scalar))


def test_from_csv_and_header_csv(tmp_path):
    path = write(tmp_path / "d.csv", "x,y\n1,2\n3,4\n")
    assert list(DataStream.from_csv(path)) == [["x", "y"], ["1", "2"], ["3", "4"]]
    assert list(DataStream.from_csv(path, skip=1)) == [["1", "2"], ["3", "4"]]
    assert list(DataStream.from_header_csv(path)) == [{"x": "1", "y": "2"}, {"x": "3", "y": "4"}]


def test_header_csv_error_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.csv", "x,y\n1,2\n3\n")
    with pytest.raises(ValueError, match=r"bad\.csv:3"):
        list(DataStream.from_header_csv(path))


def test_from_txt(tmp_path):
    path = write(tmp_path / "d.txt", "a\r\nb\n")
    assert list(DataStream.from_txt(path)) == ["a", "b"]


def test_from_file_dispatches_on_extension(tmp_path):
    assert list(DataStream.from_file(write(tmp_path / "a.json", "[1, 2]"))) == [1, 2]
    assert list(DataStream.from_file(write(tmp_path / "b.jsonl", "3\n4\n"))) == [3, 4]
    assert list(DataStream.from_file(write(tmp_path / "c.csv", "k\nv\n"))) == [{"k": "v"}]
    assert list(DataStream.from_file(write(tmp_path / "d.txt", "line\n"))) == ["line"]
    with pytest.raises(ValueError, match=r"e\.parquet.*unsupported file extension"):
        list(DataStream.from_file(write(tmp_path / "e.parquet", "x")))
    with pytest.raises(ValueError, match="no such file"):
        DataStream.from_file(str(tmp_path / "missing.json"))


def test_directories_and_lists_of_files(tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir()
    write(folder / "2.jsonl", "3\n")
    write(folder / "1.json", "[1, 2]")
    write(folder / ".hidden.json", "[99]")
    assert list(DataStream.from_file(str(folder))) == [1, 2, 3]
    assert list(DataStream.from_directory(folder)) == [1, 2, 3]
    files = [write(tmp_path / "x.json", "[5]"), write(tmp_path / "y.jsonl", "6\n")]
    assert list(DataStream.from_file(files)) == [5, 6]
    assert list(DataStream.from_files(files)) == [5, 6]
    assert list(DataStream.from_json_collection(folder)) == [1, 2]
    assert list(DataStream.from_jsonl_collection(folder)) == [3]


def test_from_multipart_file(tmp_path):
    body = (
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="a"; filename="a.json"\r\n'
        "Content-Type: application/json\r\n\r\n"
        '[{"n": 1}, {"n": 2}]\r\n'
        "--XyZ\r\n"
        'Content-Disposition: form-data; name="b"; filename="b.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
        "n\r\n3\r\n"
        "--XyZ--\r\n"
    )
    path = write(tmp_path / "upload", body)
    assert list(DataStream.from_multipart_file(path)) == [{"n": 1}, {"n": 2}, {"n": "3"}]
    assert list(DataStream.from_file(path)) == [{"n": 1}, {"n": 2}, {"n": "3"}]


def test_multipart_errors_name_the_file(tmp_path):
    bad = write(tmp_path / "bad_upload", "--B\r\nno separator here--B--\r\n")
    with pytest.raises(ValueError, match="bad_upload"):
        list(DataStream.from_multipart_file(bad))
    broken_json = write(
        tmp_path / "upload2",
        '--B\r\nContent-Disposition: form-data; name="p"\r\nContent-Type: application/json\r\n\r\n'
        "[1,\r\n--B--\r\n",
    )
    with pytest.raises(ValueError, match=r"upload2\[p\]"):
        list(DataStream.from_multipart_file(broken_json))


def test_source_errors_happen_on_iteration_not_construction(tmp_path):
    path = write(tmp_path / "late.jsonl", "{bad\n")
    stream = DataStream.from_jsonl(path)
    with pytest.raises(ValueError):
        list(stream)


def test_type_annotation_use_in_signatures():
    def train(data: DataStream[List[str]]) -> int:
        return len(data)

    assert train(DataStream.from_iterable([["a"], ["b"]])) == 2
    assert os.path.basename(__file__) == "test_datastream.py"
