"""Proto packages of the runtime data model."""

RUNTIME_PACKAGE = "caikit_data_model.runtime"
COMMON_RUNTIME_PACKAGE = "caikit_data_model.common.runtime"
