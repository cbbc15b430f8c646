"""The HTTP request shape of a task RPC, decided once at start-up.

Contract §3.2: a predict body is ::

    {"inputs": <value of the task's one required parameter>
               | {"<p1>": ..., "<p2>": ...}      (an object when the task requires several),
     "parameters": {<every other parameter of the implementations>},
     "model_id": "<id>"}

:class:`PredictShape` turns such a body into the RPC's request dataobject (validated by the
dataobject's own ``from_dict``). Unlike the reference, falsy inputs (``""``, ``0``,
``false``, ``[]``) are passed on to the model; ``null`` means "not given", as it does inside
``parameters``. Unknown keys are a 422, a missing ``model_id`` a 400
``"Please provide model_id in payload"``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ._errors import HTTPError, ValidationError
from ._fit import fit_check

__all__ = ["MISSING_MODEL_ID", "PredictShape"]

MISSING_MODEL_ID = "Please provide model_id in payload"

_TOP_KEYS = ("inputs", "parameters", "model_id")


class PredictShape:
    """Where each field of a task RPC's request lives in the HTTP body.

    Attributes:
        rpc: the :class:`~caikit.runtime.service_generation.inference.TaskRPC`
        input_names: request fields given under ``inputs`` (the task's required parameters)
        parameter_names: request fields given under ``parameters``
        single_input: the one input name when ``inputs`` is a bare value, else None
        streamed: names of the fields that carry one element of an input stream
    """

    def __init__(self, rpc: Any):
        self.rpc = rpc
        field_names = [f.name for f in rpc.fields]
        try:
            required = list(rpc.task.get_required_parameters(rpc.flavour.input_streaming))
        except ValueError:
            required = []
        self.input_names: List[str] = [n for n in required if n in field_names]
        self.parameter_names: List[str] = [n for n in field_names if n not in self.input_names]
        self._parameter_set = frozenset(self.parameter_names)
        self._input_set = frozenset(self.input_names)
        self.single_input: Optional[str] = self.input_names[0] if len(self.input_names) == 1 else None
        self.streamed: List[str] = [f.name for f in rpc.fields if f.streamed]
        self._from_dict = rpc.request.from_dict
        self._check_nulls = fit_check(rpc.request)

    # -- body -> dict of request fields ------------------------------------------------------

    def split(self, body: Any, require_model_id: bool = True) -> Tuple[Optional[str], Dict[str, Any]]:
        """``(model_id, {field: value})`` from a decoded JSON body (nulls left out).

        Raises:
            ValidationError: 422 for a body of the wrong shape
            HTTPError: 400 for a missing ``model_id`` (when required)
        """
        if type(body) is not dict:
            raise ValidationError("Input should be a valid dictionary or object", ["body"], "dict_type")
        for key in body:
            if key not in _TOP_KEYS:
                raise ValidationError("Extra inputs are not permitted", ["body", key], "extra_forbidden")
        model_id = body.get("model_id")
        if model_id is None:
            if require_model_id:
                raise HTTPError(400, MISSING_MODEL_ID)
        elif type(model_id) is not str:
            raise ValidationError("Input should be a valid string", ["body", "model_id"], "string_type")
        data: Dict[str, Any] = {}
        inputs = body.get("inputs")
        if inputs is not None:
            if self.single_input is not None:
                data[self.single_input] = inputs
            elif self.input_names:
                if type(inputs) is not dict:
                    raise ValidationError(
                        f"inputs should be an object with the keys {self.input_names!r}",
                        ["body", "inputs"],
                        "dict_type",
                    )
                for key, value in inputs.items():
                    if key not in self._input_set:
                        raise ValidationError("Extra inputs are not permitted", ["body", "inputs", key], "extra_forbidden")
                    if value is not None:
                        data[key] = value
            else:
                raise ValidationError("This task takes no inputs", ["body", "inputs"], "extra_forbidden")
        parameters = body.get("parameters")
        if parameters is not None:
            if type(parameters) is not dict:
                raise ValidationError("Input should be a valid dictionary or object", ["body", "parameters"], "dict_type")
            for key, value in parameters.items():
                if key not in self._parameter_set:
                    raise ValidationError("Extra inputs are not permitted", ["body", "parameters", key], "extra_forbidden")
                if value is not None:
                    data[key] = value
        return model_id, data

    def to_request(self, data: Dict[str, Any]) -> Any:
        """The request dataobject holding ``data``.

        Raises:
            ValidationError: 422 naming the offending field
        """
        try:
            request = self._from_dict(data)
        except (TypeError, ValueError) as err:
            # data model errors name the field path (first the request class): use it as loc
            loc = ["body", *getattr(err, "segments", ())[1:]]
            raise ValidationError(str(err), loc, "type_error" if isinstance(err, TypeError) else "value_error") from None
        except RecursionError:
            raise ValidationError("Request is nested too deeply", ["body"]) from None
        if self._check_nulls is not None:
            self._check_nulls(request)
        return request
