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

from caikit.core.toolkit.lazy_exports import lazy_exports as _lazy_exports

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
__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
