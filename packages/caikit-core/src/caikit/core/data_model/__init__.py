"""caikit.core.data_model: dataobjects bound to protobuf, and data streams.

Public names (imported lazily, so ``DataStream`` alone never loads protobuf):

* ``DataBase``, ``DataObjectBase``, ``dataobject``, ``make_dataobject``, ``is_dataobject``
* ``DataStream``
* ``JsonDict``; field annotations ``FieldNumber``, ``OneofField`` (``Annotated`` extras) and
  the scalar types ``UInt32``, ``UInt64``, ``Int32``, ``Float32``
* ``JobStatus`` and its other names ``TrainingStatus`` / ``PredictionJobStatus``
* ``ProducerId`` (defined in ``caikit.interfaces.common.data_model``)
* ``DataObjectNotFoundError``, ``DataModelTypeError``, ``DataModelValueError``
"""

import importlib as _importlib

_LAZY = {
    "DataBase": "caikit.core.data_model.base",
    "DataObjectBase": "caikit.core.data_model.base",
    "dataobject": "caikit.core.data_model._dataobject",
    "make_dataobject": "caikit.core.data_model._dataobject",
    "is_dataobject": "caikit.core.data_model._dataobject",
    "DEFAULT_PACKAGE": "caikit.core.data_model._dataobject",
    "DataStream": "caikit.core.data_model.streams.data_stream",
    "JsonDict": "caikit.core.data_model.json_dict",
    "FieldNumber": "caikit.core.data_model._types",
    "OneofField": "caikit.core.data_model._types",
    "UInt32": "caikit.core.data_model._types",
    "UInt64": "caikit.core.data_model._types",
    "Int32": "caikit.core.data_model._types",
    "Float32": "caikit.core.data_model._types",
    "JobStatus": "caikit.core.data_model.job_status",
    "TrainingStatus": "caikit.core.data_model.job_status",
    "PredictionJobStatus": "caikit.core.data_model.job_status",
    "ProducerId": "caikit.interfaces.common.data_model.producer",
    "DataObjectNotFoundError": "caikit.core.data_model._registry",
    "DataModelTypeError": "caikit.core.data_model._errors",
    "DataModelValueError": "caikit.core.data_model._errors",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'caikit.core.data_model' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
