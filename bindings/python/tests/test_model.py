"""reclite.Model: opening (path, bytes), what a model says about itself, errors, closing."""

from __future__ import annotations

import dataclasses
import gc
import os
from pathlib import Path

import numpy as np
import pytest

import reclite
from conftest import SAMPLE_ITEMS, SAMPLE_USERS, cli_recommend


def top(model: reclite.Model, user: int = 7, k: int = 10):
    with model.session() as session:
        return session.recommend(user, k)


def test_info_describes_the_sample_model(model: reclite.Model, sample_model: Path) -> None:
    info = model.info
    assert isinstance(info, reclite.ModelInfo)
    assert (info.catalog_size, info.user_count, info.feature_count) == (SAMPLE_ITEMS, SAMPLE_USERS, 3)
    assert info.file_bytes == os.path.getsize(sample_model)
    assert info.format_version == 1
    assert info.score_kind is model.score_kind is reclite.ScoreKind.LOGIT
    assert info.arena_bytes == model.arena_size > 0
    assert 0 < info.weight_bytes < info.file_bytes
    assert info.tensor_count > 0 and info.op_count > 0 and info.max_batch > 0
    assert "sample model" in info.description
    assert info.metadata_count == len(model.metadata)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.catalog_size = 1  # type: ignore[misc]


def test_features_list_every_input_with_its_kind(model: reclite.Model) -> None:
    features = model.features
    assert [(f.index, f.name, f.kind, f.value_count) for f in features] == [
        (0, "user", reclite.FeatureKind.USER, SAMPLE_USERS),
        (1, "item", reclite.FeatureKind.ITEM, SAMPLE_ITEMS),
        (2, "hour", reclite.FeatureKind.CONTEXT, 24),
    ]
    assert [f.is_context for f in features] == [False, False, True]
    assert model.context_features == ("hour",)
    assert model.context_index("hour") == 2


def test_values_list_the_catalog_and_the_users(model: reclite.Model) -> None:
    # The sample model's users are 1..50 and its items 1..200.
    assert model.values("item").tolist() == list(range(1, 201))
    assert model.values("user").tolist() == list(range(1, 51))
    assert model.values("hour").tolist() == list(range(24))  # an identity feature: its rows are its values
    with pytest.raises(reclite.InvalidArgumentError, match="no feature named 'genre'"):
        model.values("genre")


def test_metadata_is_a_fresh_dict(model: reclite.Model) -> None:
    metadata = model.metadata
    assert metadata == {"producer": "reclite sample-model", "sample.seed": "1"}
    metadata["producer"] = "changed"
    assert model.metadata["producer"] == "reclite sample-model"


def test_titles_are_the_clis(model: reclite.Model, cli, sample_model: Path) -> None:
    listed = cli_recommend(cli, sample_model, 7, 5)["items"]
    assert [model.title(entry["item"]) for entry in listed] == [entry["title"] for entry in listed]
    assert model.title(np.int64(listed[0]["item"])) == listed[0]["title"]
    assert model.title(10**12) is None
    for bad in ("42", 4.2, None, 2**63):
        with pytest.raises(reclite.InvalidArgumentError, match="item"):
            model.title(bad)


def test_open_accepts_str_bytes_and_pathlike(sample_model: Path) -> None:
    expected = None
    for path in (str(sample_model), os.fsencode(sample_model), sample_model):
        with reclite.Model(path) as model:
            assert model.path == str(sample_model)
            ids = top(model).ids
            expected = ids if expected is None else expected
            assert np.array_equal(ids, expected)


def test_open_from_bytes_like_objects(sample_model: Path) -> None:
    data = sample_model.read_bytes()
    with reclite.Model(sample_model) as from_file:
        expected = top(from_file)
        expected_info = from_file.info
    spaced = np.zeros(2 * len(data), dtype=np.uint8)
    spaced[::2] = np.frombuffer(data, dtype=np.uint8)
    sources = [data, bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8),
               memoryview(spaced)[::2]]  # the last is not contiguous: copied once first
    for source in sources:
        with reclite.Model.from_bytes(source) as model:
            assert model.path is None
            assert model.info == expected_info
            got = top(model)
            assert np.array_equal(got.ids, expected.ids) and np.array_equal(got.scores, expected.scores)


def test_from_bytes_copies_so_the_caller_may_reuse_the_buffer(sample_model: Path) -> None:
    buffer = bytearray(sample_model.read_bytes())
    with reclite.Model.from_bytes(buffer) as model:
        before = top(model)
        buffer[:] = bytes(len(buffer))  # overwrite the caller's bytes entirely
        del buffer
        gc.collect()
        after = top(model)
        assert np.array_equal(before.ids, after.ids) and np.array_equal(before.scores, after.scores)


def test_checksum_detects_a_flipped_byte_unless_skipped(sample_model: Path) -> None:
    data = bytearray(sample_model.read_bytes())
    with reclite.Model.from_bytes(data, verify_checksum=False) as model:
        assert model.info.catalog_size == SAMPLE_ITEMS
    with reclite.Model.from_bytes(data) as model:
        assert model.info.catalog_size == SAMPLE_ITEMS
    # Flip one bit in the middle of the stored weights: structure intact, checksum wrong.
    data[len(data) // 2] ^= 0x01
    with pytest.raises(reclite.BadModelError) as caught:
        reclite.Model.from_bytes(data)
    assert "checksum" in str(caught.value).lower()


def test_bad_models_raise_bad_model_error(tmp_path: Path, sample_model: Path) -> None:
    data = sample_model.read_bytes()
    cases = {"text.rlm": b"hello, not a model\n" * 10, "empty.rlm": b"", "truncated.rlm": data[: len(data) // 2]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(reclite.BadModelError) as caught:
            reclite.Model(tmp_path / name)
        assert caught.value.status is reclite.Status.BAD_MODEL
        assert caught.value.message, name
        with pytest.raises(reclite.BadModelError):
            reclite.Model.from_bytes(content)


def test_missing_file_and_directory_raise_model_io_error(tmp_path: Path) -> None:
    for path in (tmp_path / "missing.rlm", tmp_path):
        with pytest.raises(reclite.ModelIOError) as caught:
            reclite.Model(path)
        assert str(path) in str(caught.value)
        assert isinstance(caught.value, OSError) and caught.value.status is reclite.Status.IO
        assert caught.value.status_name == "RECLITE_E_IO"


def test_impossible_paths_and_buffers_are_invalid_arguments() -> None:
    for path in (None, 42, ["a.rlm"]):
        with pytest.raises(reclite.InvalidArgumentError, match="path must be"):
            reclite.Model(path)  # type: ignore[arg-type]
    with pytest.raises(reclite.InvalidArgumentError, match="NUL byte"):
        reclite.Model("model.rlm\0.txt")
    for data in ("a string", None, 12):
        with pytest.raises(reclite.InvalidArgumentError, match="bytes-like"):
            reclite.Model.from_bytes(data)


def test_close_is_idempotent_and_use_after_close_raises(sample_model: Path) -> None:
    model = reclite.Model(sample_model)
    assert not model.closed
    model.close()
    model.close()
    assert model.closed
    with pytest.raises(reclite.ClosedError, match="model is closed"):
        model.title(1)
    with pytest.raises(reclite.ClosedError):
        model.session()
    with pytest.raises(reclite.ClosedError):
        with model:
            pass
    # What was read at open stays readable.
    assert model.info.catalog_size == SAMPLE_ITEMS and model.features and model.metadata
    assert "closed" in repr(model)
    assert isinstance(reclite.ClosedError("x"), reclite.InvalidArgumentError)


def test_context_manager_closes(sample_model: Path) -> None:
    with reclite.Model(sample_model) as model:
        assert "open" in repr(model) and "200 items" in repr(model)
    assert model.closed


def test_dropping_an_open_model_releases_it(sample_model: Path) -> None:
    # __del__ is the safety net: many unclosed models must neither leak handles nor crash.
    for _ in range(200):
        reclite.Model(sample_model).session()
    gc.collect()


def test_probabilities_of_a_logit_model(model: reclite.Model) -> None:
    scores = top(model).scores
    probabilities = model.probabilities(scores)
    assert probabilities.dtype == np.float64
    assert np.allclose(probabilities, 1.0 / (1.0 + np.exp(-scores.astype(np.float64))), rtol=1e-15, atol=0)
    assert np.all(np.diff(probabilities) <= 0)  # same order as the scores


def test_probabilities_refused_for_raw_scores(model: reclite.Model) -> None:
    model._info = dataclasses.replace(model.info, score_kind=reclite.ScoreKind.RAW)
    with pytest.raises(reclite.UnsupportedError, match="RAW"):
        model.probabilities([1.0])


def test_probabilities_helper_is_stable_in_float64() -> None:
    logits = np.array([-1000.0, -40.0, 0.0, 16.7, 40.0, 1000.0, np.inf, -np.inf], dtype=np.float32)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        result = reclite.probabilities(logits)
    assert result.dtype == np.float64
    assert result[2] == 0.5
    assert 0.0 < result[1] < 1e-17 and result[0] == 0.0 and result[-1] == 0.0
    assert result[3] < 1.0 and result[4] == 1.0 and result[6] == 1.0
    assert np.isclose(result[3], 1.0 / (1.0 + np.exp(-16.7)), rtol=1e-7)
    assert np.isnan(reclite.probabilities([np.nan]))[0]
    with pytest.raises(reclite.InvalidArgumentError):
        reclite.probabilities(["a"])


def test_every_exported_name_exists() -> None:
    assert all(hasattr(reclite, name) for name in reclite.__all__)
    assert issubclass(reclite.LibraryLoadError, reclite.Error)
    with pytest.raises(AttributeError):
        reclite.no_such_name  # noqa: B018
