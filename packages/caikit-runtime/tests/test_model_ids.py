"""Model ids never lead outside the models directory."""
import os

import pytest
from caikit.runtime.model_management.model_ids import (
    InvalidModelIdError,
    check_model_id,
    model_dir_path,
)


@pytest.mark.parametrize("good", ["greeter", "my-model_1.v2", "50%off", "a%20b", "a" * 255, "ünïcode"])
def test_plain_names_are_fine(good, tmp_path):
    assert check_model_id(good) == good
    assert model_dir_path(str(tmp_path), good) == os.path.join(str(tmp_path), good)


@pytest.mark.parametrize(
    "bad",
    ["", " ", ".", "..", "../etc", "../../etc", "/abs", "a/b", "a\\b", "nul\x00byte", "tab\tchar", "a" * 300, None, 5,
     "%2e%2e%2f", "%2E%2E", "a%2Fb", "%00"],
)
def test_unsafe_ids_are_refused(bad, tmp_path):
    with pytest.raises(InvalidModelIdError) as info:
        model_dir_path(str(tmp_path), bad)
    assert isinstance(info.value, ValueError)
    assert repr(bad) in str(info.value)


def test_symlink_leaving_the_directory_is_refused(tmp_path):
    models = tmp_path / "models"
    outside = tmp_path / "outside"
    models.mkdir()
    outside.mkdir()
    (models / "escape").symlink_to(outside)
    (models / "dangling").symlink_to(tmp_path / "nowhere")
    (models / "inside").mkdir()
    (models / "alias").symlink_to(models / "inside")
    with pytest.raises(InvalidModelIdError, match="outside"):
        model_dir_path(str(models), "escape")
    with pytest.raises(InvalidModelIdError, match="outside"):
        model_dir_path(str(models), "dangling")
    assert model_dir_path(str(models), "alias") == str(models / "alias")


def test_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError):
        model_dir_path(str(tmp_path), "missing", must_exist=True)
