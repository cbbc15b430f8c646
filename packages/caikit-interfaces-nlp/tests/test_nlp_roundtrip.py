"""Values of the nlp messages survive protobuf and JSON round trips (unsigned ints, enums,
inherited fields, fields with gaps in their numbers, JSON documents)."""
import pytest
from caikit.interfaces.common.data_model import ProducerId
from caikit.interfaces.nlp.data_model import (
    ChunkerTokenizationStreamResult,
    FinishReason,
    GeneratedTextResult,
    GeneratedTextStreamResult,
    GeneratedToken,
    RerankScore,
    Token,
    TokenStreamDetails,
)

_BIG_SEED = 2**64 - 1  # only fits an unsigned 64-bit field


def _round_trips(obj):
    cls = type(obj)
    assert cls.from_proto(obj.to_proto()) == obj
    assert cls.from_json(obj.to_json()) == obj
    assert cls.from_binary_buffer(obj.to_binary_buffer()) == obj


def test_generated_text_result():
    _round_trips(
        GeneratedTextResult(
            generated_text=" world",
            generated_tokens=1,
            finish_reason=FinishReason.EOS_TOKEN,
            producer_id=ProducerId(name="gen", version="1"),
            input_token_count=1,
            seed=_BIG_SEED,
            tokens=[GeneratedToken(text=" world", logprob=-0.25, rank=1)],
            input_tokens=[GeneratedToken(text="hello", logprob=-1.5, rank=3)],
        )
    )


def test_stream_result_with_details():
    _round_trips(
        GeneratedTextStreamResult(
            generated_text="a",
            # logprob and rank have no presence on the wire (as in caikit 0.29.1): unset, they
            # come back from protobuf as 0
            tokens=[GeneratedToken(text="a", logprob=-0.5, rank=1)],
            details=TokenStreamDetails(
                finish_reason=FinishReason.MAX_TOKENS,
                generated_tokens=2**32 - 1,
                seed=_BIG_SEED,
                input_token_count=4,
            ),
            producer_id=ProducerId(name="gen", version="1"),
            input_tokens=[],  # protobuf cannot tell an empty list from an absent one
        )
    )


def test_unset_optional_scalars_without_presence_come_back_as_zero_from_protobuf():
    token = GeneratedToken(text="a")
    assert GeneratedToken.from_proto(token.to_proto()) == GeneratedToken(text="a", logprob=0.0, rank=0)
    assert GeneratedToken.from_json(token.to_json()) == token


def test_generated_token_fields_keep_their_numbers_on_the_wire():
    proto = GeneratedToken(text="x", logprob=-0.5, rank=2).to_proto()
    assert [(f.number, v) for f, v in proto.ListFields()] == [(1, "x"), (3, -0.5), (4, 2)]


def test_inherited_fields_of_stream_results():
    result = ChunkerTokenizationStreamResult(
        results=[Token(start=0, end=5, text="hello")],
        token_count=1,
        processed_index=6,
        start_index=0,
        input_start_index=0,
        input_end_index=1,
    )
    _round_trips(result)
    numbers = {f.name: f.number for f, _ in result.to_proto().ListFields()}
    assert numbers == {
        "results": 1,
        "token_count": 4,
        "processed_index": 2,
        "input_end_index": 21,
    }


def test_finish_reason_serialises_by_name_in_json():
    details = TokenStreamDetails(finish_reason=FinishReason.STOP_SEQUENCE, generated_tokens=1)
    assert '"STOP_SEQUENCE"' in details.to_json()


@pytest.mark.parametrize("document", [{"text": "a doc", "meta": {"n": 1, "tags": ["x"]}}, None])
def test_rerank_score_document_is_json(document):
    _round_trips(RerankScore(document=document, index=0, score=0.5, text="a doc"))
