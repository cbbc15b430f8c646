"""Pin the nlp domain's wire contract: message names, packages, field names, numbers and types,
and the tasks' parameters and outputs, as caikit 0.29.1 defines them.

The expected tables were written from caikit 0.29.1's ``caikit/interfaces/nlp`` sources and
checked against the descriptors of an installed caikit 0.29.1. A client compiled against a
caikit-nlp-style server sees exactly these messages.
"""
from typing import Iterable, List

import pytest
from caikit.core.data_model.json_dict import JsonDict
from caikit.interfaces.nlp import data_model as dm
from caikit.interfaces.nlp import tasks
from google.protobuf.descriptor import FieldDescriptor

NLP = "caikit_data_model.nlp"
CNLP = "caikit_data_model.caikit_nlp"

# Python class -> (full proto name, fields in declaration order as ``[repeated] type name = n;``)
MESSAGES = {
    "FinishReason": (f"{NLP}.FinishReason", None),
    "InputWarningReason": (f"{NLP}.InputWarningReason", None),
    "GeneratedToken": (f"{NLP}.GeneratedToken", "string text = 1; double logprob = 3; int64 rank = 4;"),
    "GeneratedTextResult": (
        f"{NLP}.GeneratedTextResult",
        "string generated_text = 1; int64 generated_tokens = 2; "
        "caikit_data_model.nlp.FinishReason finish_reason = 3; "
        "caikit_data_model.common.ProducerId producer_id = 4; int64 input_token_count = 5; "
        "uint64 seed = 6; repeated caikit_data_model.nlp.GeneratedToken tokens = 7; "
        "repeated caikit_data_model.nlp.GeneratedToken input_tokens = 8;",
    ),
    "TokenStreamDetails": (
        f"{NLP}.TokenStreamDetails",
        "caikit_data_model.nlp.FinishReason finish_reason = 1; uint32 generated_tokens = 2; "
        "uint64 seed = 3; int64 input_token_count = 4;",
    ),
    "GeneratedTextStreamResult": (
        f"{NLP}.GeneratedTextStreamResult",
        "string generated_text = 1; repeated caikit_data_model.nlp.GeneratedToken tokens = 2; "
        "caikit_data_model.nlp.TokenStreamDetails details = 3; "
        "caikit_data_model.common.ProducerId producer_id = 4; "
        "repeated caikit_data_model.nlp.GeneratedToken input_tokens = 5;",
    ),
    "Token": (f"{NLP}.Token", "int64 start = 1; int64 end = 2; string text = 3;"),
    "TokenizationResults": (
        f"{NLP}.TokenizationResults",
        "repeated caikit_data_model.nlp.Token results = 1; int64 token_count = 4;",
    ),
    "TokenizationStreamResult": (
        f"{NLP}.TokenizationStreamResult",
        "repeated caikit_data_model.nlp.Token results = 1; int64 token_count = 4; "
        "int64 processed_index = 2; int64 start_index = 3;",
    ),
    "ChunkerTokenizationStreamResult": (
        f"{NLP}.ChunkerTokenizationStreamResult",
        "repeated caikit_data_model.nlp.Token results = 1; int64 token_count = 4; "
        "int64 processed_index = 2; int64 start_index = 3; int64 input_start_index = 20; "
        "int64 input_end_index = 21;",
    ),
    "InputWarning": (
        f"{NLP}.InputWarning",
        "caikit_data_model.nlp.InputWarningReason id = 1; string message = 2;",
    ),
    "ClassificationTrainRecord": (
        f"{NLP}.ClassificationTrainRecord",
        "string text = 1; repeated string labels = 2;",
    ),
    "ClassificationResult": (f"{NLP}.ClassificationResult", "string label = 1; double score = 2;"),
    "ClassificationResults": (
        f"{NLP}.ClassificationResults",
        "repeated caikit_data_model.nlp.ClassificationResult results = 1;",
    ),
    "TokenClassificationResult": (
        f"{NLP}.TokenClassificationResult",
        "int64 start = 1; int64 end = 2; string word = 3; string entity = 4; "
        "string entity_group = 5; double score = 6; int64 token_count = 7;",
    ),
    "TokenClassificationResults": (
        f"{NLP}.TokenClassificationResults",
        "repeated caikit_data_model.nlp.TokenClassificationResult results = 1;",
    ),
    "TokenClassificationStreamResult": (
        f"{NLP}.TokenClassificationStreamResult",
        "repeated caikit_data_model.nlp.TokenClassificationResult results = 1; "
        "int64 processed_index = 2; int64 start_index = 3;",
    ),
    "TextGenTokenClassificationResults": (
        f"{NLP}.TextGenTokenClassificationResults",
        "repeated caikit_data_model.nlp.TokenClassificationResult input = 10; "
        "repeated caikit_data_model.nlp.TokenClassificationResult output = 20;",
    ),
    "ClassifiedGeneratedTextResult": (
        f"{NLP}.ClassifiedGeneratedTextResult",
        "string generated_text = 1; "
        "caikit_data_model.nlp.TextGenTokenClassificationResults token_classification_results = 2; "
        "caikit_data_model.nlp.FinishReason finish_reason = 3; int64 generated_token_count = 4; "
        "uint64 seed = 5; int64 input_token_count = 6; "
        "repeated caikit_data_model.nlp.InputWarning warnings = 9; "
        "repeated caikit_data_model.nlp.GeneratedToken tokens = 10; "
        "repeated caikit_data_model.nlp.GeneratedToken input_tokens = 11;",
    ),
    "ClassifiedGeneratedTextStreamResult": (
        f"{NLP}.ClassifiedGeneratedTextStreamResult",
        "string generated_text = 1; "
        "caikit_data_model.nlp.TextGenTokenClassificationResults token_classification_results = 2; "
        "caikit_data_model.nlp.FinishReason finish_reason = 3; int64 generated_token_count = 4; "
        "uint64 seed = 5; int64 input_token_count = 6; "
        "repeated caikit_data_model.nlp.InputWarning warnings = 9; "
        "repeated caikit_data_model.nlp.GeneratedToken tokens = 10; "
        "repeated caikit_data_model.nlp.GeneratedToken input_tokens = 11; "
        "int64 processed_index = 7; int64 start_index = 8;",
    ),
    "EmbeddingResult": (
        f"{CNLP}.EmbeddingResult",
        "caikit_data_model.common.Vector1D result = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
    "EmbeddingResults": (
        f"{CNLP}.EmbeddingResults",
        "caikit_data_model.common.ListOfVector1D results = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
    "SentenceSimilarityScores": (f"{CNLP}.SentenceSimilarityScores", "repeated double scores = 1;"),
    "SentenceSimilarityResult": (
        f"{CNLP}.SentenceSimilarityResult",
        "caikit_data_model.caikit_nlp.SentenceSimilarityScores result = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
    "SentenceSimilarityResults": (
        f"{CNLP}.SentenceSimilarityResults",
        "repeated caikit_data_model.caikit_nlp.SentenceSimilarityScores results = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
    "RerankScore": (
        f"{CNLP}.RerankScore",
        "google.protobuf.Struct document = 1; int64 index = 2; double score = 3; string text = 4;",
    ),
    "RerankScores": (
        f"{CNLP}.RerankScores",
        "string query = 1; repeated caikit_data_model.caikit_nlp.RerankScore scores = 2;",
    ),
    "RerankResult": (
        f"{CNLP}.RerankResult",
        "caikit_data_model.caikit_nlp.RerankScores result = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
    "RerankResults": (
        f"{CNLP}.RerankResults",
        "repeated caikit_data_model.caikit_nlp.RerankScores results = 1; "
        "caikit_data_model.common.ProducerId producer_id = 2; int64 input_token_count = 3;",
    ),
}

ENUMS = {
    "FinishReason": [
        ("NOT_FINISHED", 0),
        ("MAX_TOKENS", 1),
        ("EOS_TOKEN", 2),
        ("CANCELLED", 3),
        ("TIME_LIMIT", 4),
        ("STOP_SEQUENCE", 5),
        ("TOKEN_LIMIT", 6),
        ("ERROR", 7),
    ],
    "InputWarningReason": [("UNSUITABLE_INPUT", 0)],
}

# task -> {(input_streaming, output_streaming): (parameters, output message full name)}
_TEXT = {"text": str}
_STREAM = {"text_stream": Iterable[str]}
TASKS = {
    "TextGenerationTask": {
        (False, False): (_TEXT, f"{NLP}.GeneratedTextResult"),
        (False, True): (_TEXT, f"{NLP}.GeneratedTextStreamResult"),
    },
    "TextClassificationTask": {(False, False): (_TEXT, f"{NLP}.ClassificationResults")},
    "TokenClassificationTask": {
        (False, False): (_TEXT, f"{NLP}.TokenClassificationResults"),
        (False, True): (_TEXT, f"{NLP}.TokenClassificationStreamResult"),
        (True, False): (_STREAM, f"{NLP}.TokenClassificationResults"),
        (True, True): (_STREAM, f"{NLP}.TokenClassificationStreamResult"),
    },
    "TokenizationTask": {
        (False, False): (_TEXT, f"{NLP}.TokenizationResults"),
        (False, True): (_TEXT, f"{NLP}.TokenizationStreamResult"),
        (True, False): (_STREAM, f"{NLP}.TokenizationResults"),
        (True, True): (_STREAM, f"{NLP}.TokenizationStreamResult"),
    },
    "ClassificationWithTextGenerationTask": {
        (False, False): (_TEXT, f"{NLP}.ClassifiedGeneratedTextResult"),
        (False, True): (_TEXT, f"{NLP}.ClassifiedGeneratedTextStreamResult"),
    },
    "EmbeddingTask": {(False, False): (_TEXT, f"{CNLP}.EmbeddingResult")},
    "EmbeddingTasks": {(False, False): ({"texts": List[str]}, f"{CNLP}.EmbeddingResults")},
    "RerankTask": {
        (False, False): ({"documents": List[JsonDict], "query": str}, f"{CNLP}.RerankResult")
    },
    "RerankTasks": {
        (False, False): (
            {"documents": List[JsonDict], "queries": List[str]},
            f"{CNLP}.RerankResults",
        )
    },
    "SentenceSimilarityTask": {
        (False, False): (
            {"source_sentence": str, "sentences": List[str]},
            f"{CNLP}.SentenceSimilarityResult",
        )
    },
    "SentenceSimilarityTasks": {
        (False, False): (
            {"source_sentences": List[str], "sentences": List[str]},
            f"{CNLP}.SentenceSimilarityResults",
        )
    },
    "ChunkerTokenizationTask": {
        (False, False): (_TEXT, f"{NLP}.TokenizationResults"),
        (False, True): (_TEXT, f"{NLP}.ChunkerTokenizationStreamResult"),
        (True, False): (
            {"text_stream": Iterable[str], "input_index_stream": Iterable[int]},
            f"{NLP}.TokenizationResults",
        ),
        (True, True): (
            {"text_stream": Iterable[str], "input_index_stream": Iterable[int]},
            f"{NLP}.ChunkerTokenizationStreamResult",
        ),
    },
}

_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
}


def render_fields(descriptor) -> str:
    """The fields of a message descriptor as ``[repeated] type name = number;``."""
    parts = []
    for field in descriptor.fields:
        if field.message_type is not None:
            type_name = field.message_type.full_name
        elif field.enum_type is not None:
            type_name = field.enum_type.full_name
        else:
            type_name = _SCALARS[field.type]
        repeated = "repeated " if field.is_repeated else ""
        parts.append(f"{repeated}{type_name} {field.name} = {field.number};")
    return " ".join(parts)


def test_every_exported_message_is_pinned():
    exported = {
        name
        for name in dm.__all__
        if isinstance(getattr(dm, name), type) and hasattr(getattr(dm, name), "get_proto_class")
    }
    assert exported == set(MESSAGES)


@pytest.mark.parametrize("name", sorted(n for n, (_, f) in MESSAGES.items() if f is not None))
def test_message_name_package_and_fields(name):
    full_name, fields = MESSAGES[name]
    descriptor = getattr(dm, name).get_proto_class().DESCRIPTOR
    assert descriptor.full_name == full_name
    assert render_fields(descriptor) == fields


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enum_name_and_values(name):
    enum_class = getattr(dm, name)
    assert enum_class.full_name == MESSAGES[name][0]
    assert [(m.name, m.value) for m in enum_class] == ENUMS[name]


def test_messages_have_no_presence_oneofs():
    """caikit 0.29.1 (py-to-proto) gives no '_<field>' oneof to Optional inside
    Annotated[..., FieldNumber(n)], as in all of caikit's nlp messages."""
    with_oneofs = {
        name: [o.name for o in getattr(dm, name).get_proto_class().DESCRIPTOR.oneofs]
        for name, (_, fields) in MESSAGES.items()
        if fields is not None
    }
    assert {name: oneofs for name, oneofs in with_oneofs.items() if oneofs} == {}


def test_every_task_is_pinned():
    assert set(tasks.__all__) == set(TASKS)


@pytest.mark.parametrize("name", sorted(TASKS))
def test_task_flavours_parameters_and_outputs(name):
    task = getattr(tasks, name)
    expected = TASKS[name]
    assert task.__name__ == name
    assert sorted(task.flavours()) == sorted(expected)
    for (input_streaming, output_streaming), (params, output) in expected.items():
        assert task.get_required_parameters(input_streaming) == params
        declared = task.get_output_type(output_streaming)
        if output_streaming:
            # streaming outputs are declared as Iterable[<message>]
            (declared,) = declared.__args__
        assert declared.get_proto_class().DESCRIPTOR.full_name == output


def test_nested_spelling_of_text_gen_token_classification_results():
    """caikit declares it inside ClassifiedGeneratedTextResult; both spellings are the class."""
    assert (
        dm.ClassifiedGeneratedTextResult.TextGenTokenClassificationResults
        is dm.TextGenTokenClassificationResults
    )
