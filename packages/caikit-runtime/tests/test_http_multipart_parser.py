"""The HTTP server's multipart/form-data parser, form-to-request conversion and file
download headers, in-process (the server-level tests are in test_http_multipart.py)."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.filepost import encode_multipart_formdata

sys.path.insert(0, str(Path(__file__).resolve().parent / "fixtures"))

from caikit.runtime.http_server._errors import HTTPError, ValidationError
from caikit.runtime.http_server._files import content_disposition, file_response, safe_filename
from caikit.runtime.http_server._multipart import (
    FormLimits,
    MultipartParser,
    boundary_of,
    parse_header_params,
    read_form,
)

BOUNDARY = "xYzBoundary"
LIMITS = FormLimits(max_body_bytes=0, max_parts=100, max_field_bytes=10_000, max_file_bytes=100_000)


def _body(fields, boundary=BOUNDARY) -> bytes:
    body, _ = encode_multipart_formdata(fields, boundary=boundary)
    return body


def _parse(body: bytes, chunks=None, limits=LIMITS, boundary=BOUNDARY):
    parser = MultipartParser(boundary.encode(), limits)
    if chunks is None:
        parser.feed(body)
    else:
        start = 0
        for end in [*chunks, len(body)]:
            parser.feed(body[start:end])
            start = end
    return [(p.name, p.filename, p.content_type, p.data) for p in parser.close()]


def _read(body: bytes, content_type: bytes, limits=LIMITS, chunk=7):
    messages = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]

    async def run():
        queue = [
            {"type": "http.request", "body": m, "more_body": i < len(messages) - 1} for i, m in enumerate(messages)
        ]

        async def receive():
            return queue.pop(0)

        return await read_form(receive, content_type, limits)

    return asyncio.run(run())


# -- the parser -------------------------------------------------------------------------------


FIELDS = [
    ("model_id", "greeter"),
    ("inputs", "Gabe\r\n--not-a-boundary"),
    ("parameters.blob", ("b.bin", b"\x00\r\n--xYzBoundar\r\n\xff", "application/octet-stream")),
    ("empty", ""),
]


def test_parts_are_parsed_whatever_the_chunking():
    body = _body(FIELDS)
    expected = _parse(body)
    assert expected == [
        ("model_id", None, None, b"greeter"),
        ("inputs", None, None, b"Gabe\r\n--not-a-boundary"),
        ("parameters.blob", "b.bin", "application/octet-stream", b"\x00\r\n--xYzBoundar\r\n\xff"),
        ("empty", None, None, b""),
    ]
    for cut in range(1, len(body)):
        assert _parse(body, [cut]) == expected
    assert _parse(body, list(range(1, len(body)))) == expected  # one byte at a time


#: names and file names as any client sends them unchanged (browsers and urllib3 send '"' as
#: "%22", which is then the name; backslash escapes are not what they do either)
_NAME = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\')


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            st.text(_NAME, min_size=1, max_size=12),
            st.one_of(st.none(), st.text(_NAME, max_size=12)),
            st.binary(max_size=300),
        ),
        max_size=8,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=20),
)
def test_any_encoded_form_parses_back(parts, cuts):
    fields = [(name, (filename, data)) if filename is not None else (name, data) for name, filename, data in parts]
    body = _body(fields)
    parsed = _parse(body, sorted({c for c in cuts if 0 < c < len(body)}))
    assert [(n, d) for n, _, _, d in parsed] == [(name, data) for name, _, data in parts]
    assert [f for _, f, _, _ in parsed] == [filename for _, filename, _ in parts]


def test_preamble_epilogue_and_transport_padding_are_ignored():
    body = (
        b"preamble text\r\n--b  \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
        b"--b\r\ncontent-disposition: FORM-DATA; NAME=b; filename*=UTF-8''%C3%BC.txt\r\n\r\n2\r\n--b--\r\nepilogue"
    )
    assert _parse(body, boundary="b") == [("a", None, None, b"1"), ("b", "\u00fc.txt", None, b"2")]


def test_header_parameters():
    assert parse_header_params('form-data; name="a\\"b"; filename="C:\\dir\\f.txt"') == (
        "form-data",
        {"name": 'a"b', "filename": "C:\\dir\\f.txt"},
    )
    assert parse_header_params("multipart/form-data; boundary=abc; charset=x") == (
        "multipart/form-data",
        {"boundary": "abc", "charset": "x"},
    )
    assert boundary_of(b'Multipart/Form-Data; boundary="quoted =b"') == b"quoted =b"


@pytest.mark.parametrize(
    "content_type",
    [b"multipart/form-data", b"multipart/form-data; boundary=", b"multipart/form-data; boundary=" + b"x" * 300],
)
def test_unusable_boundaries_are_422(content_type):
    with pytest.raises(ValidationError) as raised:
        boundary_of(content_type)
    assert raised.value.status == 422


@pytest.mark.parametrize(
    "body, why",
    [
        (b"", "no boundary delimiter"),
        (b"no delimiter at all", "no boundary delimiter"),
        (b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue", "ends before the closing"),
        (b"--b\r\nContent-Disposition: form-data; name=a\r\n", "ends before the closing"),
        (b"--b\r\n\r\nvalue\r\n--b--", "no Content-Disposition"),
        (b"--b\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--b--", "no Content-Disposition"),
        (b"--b\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b--", "not 'form-data'"),
        (b"--b\r\nContent-Disposition: form-data; filename=x\r\n\r\nv\r\n--b--", "no name"),
        (b"--b\r\nContent-Disposition: form-data; name=a\r\nbroken header\r\n\r\nv\r\n--b--", "bad part header"),
        (b"--b\r\n Content-Disposition: form-data; name=a\r\n\r\nv\r\n--b--", "bad part header"),
        (b"--bgarbage\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--b--", "unexpected bytes"),
        (b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--bX\r\n", "unexpected bytes"),
    ],
)
def test_malformed_bodies_are_422(body, why):
    with pytest.raises(ValidationError) as raised:
        _parse(body, boundary="b")
    assert raised.value.status == 422
    assert why in raised.value.details


def test_limits_are_413_as_soon_as_they_are_passed():
    limits = FormLimits(max_parts=2, max_field_bytes=5, max_file_bytes=8)
    with pytest.raises(HTTPError) as raised:
        _parse(_body([("a", "1"), ("b", "2"), ("c", "3")]), limits=limits)
    assert raised.value.status == 413 and "max_multipart_parts" in raised.value.details
    with pytest.raises(HTTPError) as raised:
        _parse(_body([("a", "123456")]), limits=limits)
    assert raised.value.status == 413 and "max_multipart_field_bytes" in raised.value.details
    with pytest.raises(HTTPError) as raised:
        _parse(_body([("f", ("f.bin", b"123456789"))]), limits=limits)
    assert raised.value.status == 413 and "max_multipart_file_bytes" in raised.value.details
    # exactly at the limits is fine
    assert len(_parse(_body([("a", "12345"), ("f", ("f.bin", b"12345678"))]), limits=limits)) == 2
    # a part's size is checked while it arrives: the rest of a huge part is never needed
    parser = MultipartParser(b"b", limits)
    parser.feed(b"--b\r\nContent-Disposition: form-data; name=a\r\n\r\n")
    with pytest.raises(HTTPError):
        parser.feed(b"x" * 100)


def test_part_headers_are_bounded():
    parser = MultipartParser(b"b", FormLimits())
    parser.feed(b"--b\r\nContent-Disposition: form-data; name=a\r\n")
    with pytest.raises(HTTPError) as raised:
        parser.feed(b"X-Filler: " + b"x" * 20_000)
    assert raised.value.status == 413


def test_read_form_counts_the_body_limit():
    body = _body([("a", "x" * 50)])
    content_type = f"multipart/form-data; boundary={BOUNDARY}".encode()
    assert _read(body, content_type)[0].data == b"x" * 50
    with pytest.raises(HTTPError) as raised:
        _read(body, content_type, FormLimits(max_body_bytes=len(body) - 1))
    assert raised.value.status == 413


def test_read_form_of_a_client_that_goes_away_is_499():
    async def run():
        messages = [{"type": "http.request", "body": b"--b\r\n", "more_body": True}, {"type": "http.disconnect"}]

        async def receive():
            return messages.pop(0)

        return await read_form(receive, b"multipart/form-data; boundary=b", FormLimits())

    with pytest.raises(HTTPError) as raised:
        asyncio.run(run())
    assert raised.value.status == 499


# -- file downloads ---------------------------------------------------------------------------


def test_file_names_are_made_safe_for_the_header():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\dir\\a.txt") == "a.txt"
    assert safe_filename('a"b\r\nc.txt') == "a_b__c.txt"
    assert safe_filename("..", "fallback") == "fallback"
    assert content_disposition("a.csv") == b'attachment; filename="a.csv"'
    assert content_disposition("\u00fcber.csv") == b"attachment; filename=\"_ber.csv\"; filename*=UTF-8''%C3%BCber.csv"


def test_file_response_of_the_fixture_outputs():
    import http_form_lib

    body, headers = file_response(http_form_lib.Report("T", ["a"]))
    assert body == b"T\na\n"
    assert dict(headers) == {
        b"content-type": b"text/csv",
        b"content-disposition": b'attachment; filename="T.csv"',
        b"x-content-type-options": b"nosniff",
    }
    body, headers = file_response(http_form_lib.Blob(b"\x00\x01"))
    assert body == b"\x00\x01"
    assert dict(headers)[b"content-type"] == b"application/octet-stream"
    assert dict(headers)[b"content-disposition"] == b'attachment; filename="blob"'
    # an object without file support is JSON
    body, headers = file_response(http_form_lib.Options("x", 1.0, []))
    assert dict(headers) == {b"content-type": b"application/json"}
    assert body == b'{"label": "x", "weight": 1.0, "tags": []}'


# -- forms to requests ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def form_rpcs():
    from caikit.config import temp_config
    from caikit.runtime.service_generation import get_services

    with temp_config({"runtime": {"library": "http_form_lib"}}) as config:
        services = get_services(config.runtime)
    return {rpc.route: rpc for rpc in services.task_rpcs}, services.train_rpcs


_KEYS = [
    "model_id", "inputs", "inputs.text", "inputs.left", "inputs.right", "inputs.document", "inputs.document.data",
    "parameters", "parameters.repeat", "parameters.flag", "parameters.ratio", "parameters.blob", "parameters.document",
    "parameters.document.filename", "parameters.options", "parameters.options.label", "parameters.options.tags",
    "parameters.options.weight", "parameters.counts", "parameters.counts.k", "parameters.counts.a.b",
    "parameters.names", "parameters.examples", "parameters.note", "parameters.rows", "parameters..x", "x",
    "model_name", "parameters.prefix", "parameters.rounds", "parameters.examples.jsondata", "output_path",
]
_VALUES = st.one_of(
    st.sampled_from([b"", b"1", b"-2", b"1.5", b"true", b"nan", b"1e999", b"9" * 5000, b"[]", b"{}", b"null",
                     b'[{"label": "a"}]', b'{"label": "x", "weight": "w"}', b'{"jsondata": {"data": [1]}}',
                     b"\xff\xfe", b"[" * 5000, b'{"a":' * 3000]),
    st.binary(max_size=40),
)
_CONTENT_TYPES = st.sampled_from([None, "text/plain", "text/plain; charset=idna", "text/plain; charset=zlib",
                                  "text/plain; charset=utf-16", "text/plain; charset=nope", "application/json"])


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_any_form_is_a_request_or_a_4xx(form_rpcs, data):
    """Whatever the parts, converting a form ends in a request or in an HTTPError (4xx),
    never in another exception (a 500)."""
    from caikit.runtime.http_server._forms import ObjectForm, PredictForm
    from caikit.runtime.http_server._management import train_request_defaults
    from caikit.runtime.http_server._multipart import FormPart
    from caikit.runtime.http_server._requests import PredictShape

    task_rpcs, train_rpcs = form_rpcs
    parts = data.draw(st.lists(
        st.builds(FormPart, st.sampled_from(_KEYS), st.one_of(st.none(), st.sampled_from(["", "f.jsonl"])),
                  _CONTENT_TYPES, _VALUES),
        max_size=6,
    ))
    use_train = data.draw(st.booleans())
    try:
        if use_train:
            rpc = train_rpcs[0]
            body = train_request_defaults(rpc)(ObjectForm(rpc.request).to_body(parts))
            from caikit.runtime.http_server._management import _from_dict

            _from_dict(rpc.request, body)
        else:
            shape = PredictShape(task_rpcs[data.draw(st.sampled_from(sorted(task_rpcs)))])
            body = PredictForm(shape).to_body(parts)
            _, values = shape.split(body, require_model_id=False)
            shape.to_request(values)
    except HTTPError as err:
        assert 400 <= err.status < 500
