"""Proto package of the common data model."""

COMMON_PACKAGE = "caikit_data_model.common"
