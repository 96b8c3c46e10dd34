"""reclite.Session: score, recommend, score_batch, context, arenas, lifetime and every input error."""

from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

import reclite
from reclite import _arrays, _capi, _errors
from conftest import SAMPLE_ITEMS, SAMPLE_USERS

ITEMS = np.arange(1, SAMPLE_ITEMS + 1, dtype=np.int64)


# ---- score ------------------------------------------------------------------------


def test_score_returns_float32_in_the_order_given(session: reclite.Session) -> None:
    scores = session.score(7, ITEMS)
    assert scores.dtype == np.float32 and scores.shape == (SAMPLE_ITEMS,)
    reversed_scores = session.score(7, ITEMS[::-1].copy())
    assert np.array_equal(reversed_scores, scores[::-1])
    assert np.all(np.isfinite(scores)) and len(np.unique(scores)) > SAMPLE_ITEMS // 2


def test_score_agrees_with_recommend(session: reclite.Session) -> None:
    ids, scores = session.recommend(7, k=25)
    assert np.array_equal(session.score(7, ids), scores)
    everything = session.score(7, ITEMS)
    order = np.lexsort((ITEMS, -everything))  # best first, ties by smaller id
    assert np.array_equal(ids, ITEMS[order[:25]])


def test_unknown_users_and_items_are_scored_not_errors(session: reclite.Session) -> None:
    scores = session.score(10**15, [1, 10**15, -5])
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def test_id_arrays_of_every_integer_kind_give_the_same_scores(session: reclite.Session) -> None:
    expected = session.score(7, ITEMS)
    wide = np.zeros(2 * SAMPLE_ITEMS, dtype=np.int64)
    wide[::2] = ITEMS
    inputs = [ITEMS.tolist(), tuple(ITEMS.tolist()), range(1, SAMPLE_ITEMS + 1), ITEMS.astype(np.int32),
              ITEMS.astype(np.uint16), ITEMS.astype(np.uint64), ITEMS.astype(">i8"), wide[::2],
              np.asfortranarray(ITEMS)]
    for items in inputs:
        assert np.array_equal(session.score(7, items), expected), repr(items)[:60]


def test_int64_contiguous_ids_are_passed_without_a_copy() -> None:
    ids = np.arange(5, dtype=np.int64)
    assert _arrays.as_ids(ids, "items") is ids
    strided = np.arange(10, dtype=np.int64)[::2]
    converted = _arrays.as_ids(strided, "items")
    assert converted is not strided and converted.flags.c_contiguous and np.array_equal(converted, strided)
    assert _arrays.as_ids(np.arange(5, dtype=np.int32), "items").dtype == np.int64


def test_score_writes_into_a_given_output_array(session: reclite.Session) -> None:
    out = np.full(SAMPLE_ITEMS, np.nan, dtype=np.float32)
    result = session.score(7, ITEMS, out=out)
    assert result is out and np.array_equal(out, session.score(7, ITEMS))
    bad_outputs = {
        "dtype float64": np.empty(SAMPLE_ITEMS, dtype=np.float64),
        "shape (3,)": np.empty(3, dtype=np.float32),
        "not C-contiguous": np.empty(2 * SAMPLE_ITEMS, dtype=np.float32)[::2],
        "read-only": np.frombuffer(bytes(4 * SAMPLE_ITEMS), dtype=np.float32),
        "numpy float32 array, got list": [0.0] * SAMPLE_ITEMS,
    }
    for problem, out in bad_outputs.items():
        with pytest.raises(reclite.InvalidArgumentError, match=re.escape(problem)):
            session.score(7, ITEMS, out=out)


def test_empty_items_give_empty_scores(session: reclite.Session) -> None:
    for empty in ([], np.array([], dtype=np.int64), np.array([], dtype=np.float64), ()):
        scores = session.score(7, empty)
        assert scores.shape == (0,) and scores.dtype == np.float32


BAD_IDS = {
    "got None": None,
    "2-D array of shape \\(2, 3\\)": np.ones((2, 3), dtype=np.int64),
    "got a scalar": np.int64(5),
    "floating-point array \\(dtype float64\\)": [1.0, 2.0],
    "floating-point array \\(dtype float32\\)": np.ones(3, dtype=np.float32),
    "boolean array": np.array([True, False]),
    "string array": np.array(["1", "2"]),
    "got str": "1,2,3",
    "object array": np.array([1, None], dtype=object),
    "None, mixed types, or integers beyond int64": [1, None],
    "outside the int64 range": np.array([2**63], dtype=np.uint64),
    "complex array": np.array([1 + 2j]),
    "cannot read as an array": [[1, 2], [3]],
}


@pytest.mark.parametrize("problem", BAD_IDS)
def test_ids_that_cannot_be_converted_are_refused(session: reclite.Session, problem: str) -> None:
    bad = BAD_IDS[problem]
    with pytest.raises(reclite.InvalidArgumentError, match=problem) as caught:
        session.score(7, bad)
    assert "items" in str(caught.value)
    if bad is not None:  # exclude=None means "exclude nothing"
        with pytest.raises(reclite.InvalidArgumentError, match=problem):
            session.recommend(7, exclude=bad)
    with pytest.raises(reclite.InvalidArgumentError, match=problem):
        session.score_batch(bad, ITEMS[:3])


@pytest.mark.parametrize("user", [None, 1.5, "7", True, 2**63, -(2**63) - 1, [7]])
def test_bad_users_are_refused(session: reclite.Session, user) -> None:
    with pytest.raises(reclite.InvalidArgumentError, match="user"):
        session.score(user, ITEMS[:3])
    with pytest.raises(reclite.InvalidArgumentError, match="user"):
        session.recommend(user)


def test_numpy_integer_users_are_accepted(session: reclite.Session) -> None:
    expected = session.score(7, ITEMS)
    for user in (np.int64(7), np.int32(7), np.uint8(7)):
        assert np.array_equal(session.score(user, ITEMS), expected)


# ---- recommend ------------------------------------------------------------------


def test_recommend_returns_k_best_first(session: reclite.Session) -> None:
    result = session.recommend(7, k=10)
    assert isinstance(result, reclite.Recommendations)
    ids, scores = result
    assert ids.dtype == np.int64 and scores.dtype == np.float32 and len(ids) == len(scores) == 10
    assert np.all(np.diff(scores) <= 0) and len(set(ids.tolist())) == 10
    assert session.recommend(7).ids.size == 10  # k defaults to 10


def test_recommend_excludes(session: reclite.Session) -> None:
    best = session.recommend(7, k=5).ids
    without = session.recommend(7, k=5, exclude=np.append(best[:2], 10**12))  # unknown ids are ignored
    assert not set(best[:2].tolist()) & set(without.ids.tolist())
    assert np.array_equal(without.ids[:3], best[2:])
    everything = session.recommend(7, k=SAMPLE_ITEMS, exclude=range(1, SAMPLE_ITEMS + 1))
    assert everything.ids.size == 0 and everything.scores.size == 0


@pytest.mark.parametrize("k", [SAMPLE_ITEMS + 1, 10**6, 2**40, 10**30])
def test_huge_k_returns_the_whole_catalog(session: reclite.Session, k: int) -> None:
    ids, scores = session.recommend(7, k=k)
    assert sorted(ids.tolist()) == list(range(1, SAMPLE_ITEMS + 1))
    assert np.array_equal(ids, session.recommend(7, k=SAMPLE_ITEMS).ids)


def test_k_zero_is_the_librarys_invalid_argument(session: reclite.Session) -> None:
    with pytest.raises(reclite.InvalidArgumentError) as caught:
        session.recommend(7, k=0)
    assert caught.value.message == "k must be at least 1"
    assert session.last_error == "k must be at least 1"  # the session's message, carried by the exception


@pytest.mark.parametrize("k", [-1, -(10**20), 2.5, "10", None, True])
def test_impossible_k_is_refused(session: reclite.Session, k) -> None:
    with pytest.raises(reclite.InvalidArgumentError, match="k must be a positive integer"):
        session.recommend(7, k=k)


def test_unknown_users_fall_back_to_popularity_unless_told(session: reclite.Session) -> None:
    popular = session.recommend(10**9, k=10)
    ranked = session.recommend(10**9, k=10, fallback=False)
    assert not np.array_equal(popular.ids, ranked.ids)
    assert np.array_equal(session.score(10**9, ranked.ids), ranked.scores)


# ---- context --------------------------------------------------------------------


def test_context_changes_scores_and_empty_context_is_none(session: reclite.Session) -> None:
    plain = session.score(7, ITEMS)
    assert np.array_equal(session.score(7, ITEMS, context={}), plain)
    evening = session.score(7, ITEMS, context={"hour": 21})
    morning = session.score(7, ITEMS, context={"hour": np.int64(8)})
    assert not np.array_equal(evening, morning) and not np.array_equal(evening, plain)
    assert np.array_equal(session.recommend(7, 5, context={"hour": 21}).scores, np.sort(evening)[::-1][:5])


def test_unknown_context_names_list_the_models_context_features(session: reclite.Session) -> None:
    with pytest.raises(reclite.InvalidArgumentError) as caught:
        session.score(7, ITEMS, context={"hr": 21})
    assert str(caught.value) == "unknown context feature 'hr'; this model's context features: hour"
    with pytest.raises(reclite.InvalidArgumentError, match="'item' is a item feature, not a context feature"):
        session.recommend(7, context={"item": 3})
    with pytest.raises(reclite.InvalidArgumentError, match="unknown context feature 5"):
        session.recommend(7, context={5: 3})


@pytest.mark.parametrize("context, problem", [
    ({"hour": 2.5}, "context value of 'hour' must be an integer"),
    ({"hour": None}, "context value of 'hour' must be an integer"),
    ({"hour": 2**64}, "outside the int64 range"),
    ([("hour", 21)], "context must be a mapping"),
    ("hour=21", "context must be a mapping"),
])
def test_bad_context_values_are_refused(session: reclite.Session, context, problem: str) -> None:
    with pytest.raises(reclite.InvalidArgumentError, match=problem):
        session.score(7, ITEMS, context=context)
    with pytest.raises(reclite.InvalidArgumentError, match=problem):
        session.score_batch([7], ITEMS, context=context)


# ---- score_batch ----------------------------------------------------------------


def test_score_batch_rows_are_score_per_user(session: reclite.Session) -> None:
    users = np.array([7, 1, SAMPLE_USERS, 10**9], dtype=np.int64)
    for context in (None, {"hour": 21}):
        batch = session.score_batch(users, ITEMS, context=context)
        assert batch.shape == (users.size, SAMPLE_ITEMS) and batch.dtype == np.float32
        for row, user in zip(batch, users):
            assert np.array_equal(row, session.score(int(user), ITEMS, context=context))
    assert session.score_batch([], ITEMS).shape == (0, SAMPLE_ITEMS)
    assert session.score_batch(users, []).shape == (users.size, 0)
    with pytest.raises(reclite.InvalidArgumentError, match="items: expected a 1-D array"):
        session.score_batch(users, ITEMS.reshape(20, 10))


# ---- arenas ---------------------------------------------------------------------


def test_caller_arenas_give_the_same_results(model: reclite.Model) -> None:
    with model.session() as own:
        expected = own.recommend(7, 20)
    for arena in (bytearray(model.arena_size), np.zeros(model.arena_size + 100, dtype=np.uint8)):
        with model.session(arena) as session:
            got = session.recommend(7, 20)
            assert np.array_equal(got.ids, expected.ids) and np.array_equal(got.scores, expected.scores)


def test_arena_too_small(model: reclite.Model) -> None:
    for size in (0, 10, model.arena_size - 1):
        with pytest.raises(reclite.ArenaTooSmallError) as caught:
            model.session(bytearray(size))
        assert caught.value.message == f"arena too small: needs {model.arena_size} bytes, got {size}"
        assert caught.value.status is reclite.Status.ARENA_TOO_SMALL


@pytest.mark.parametrize("arena", [b"read-only bytes", "text", 4096, np.zeros(100000, dtype=np.uint8)[::2]])
def test_unusable_arenas_are_refused(model: reclite.Model, arena) -> None:
    with pytest.raises(reclite.InvalidArgumentError, match="arena must be a writable, contiguous buffer"):
        model.session(arena)


def test_an_arena_is_kept_alive_by_its_session(model: reclite.Model) -> None:
    session = model.session(bytearray(model.arena_size))  # no other reference to the arena
    import gc

    gc.collect()
    assert session.recommend(7, 5).ids.size == 5
    session.close()


# ---- lifetime -------------------------------------------------------------------


def test_session_outlives_a_closed_model(model: reclite.Model) -> None:
    session = model.session()
    expected = session.recommend(7, 10)
    model.close()
    got = session.recommend(7, 10)
    assert np.array_equal(got.ids, expected.ids) and np.array_equal(got.scores, expected.scores)
    assert session.model is model
    session.close()


def test_closed_session_raises_and_close_is_idempotent(model: reclite.Model) -> None:
    with model.session() as session:
        assert "open" in repr(session)
    assert session.closed
    session.close()
    for call in (lambda: session.score(7, ITEMS), lambda: session.recommend(7), lambda: session.score_batch([7], ITEMS),
                 lambda: session.last_error):
        with pytest.raises(reclite.ClosedError, match="session is closed"):
            call()


# ---- errors ---------------------------------------------------------------------


def test_every_status_has_its_exception_class() -> None:
    classes = {
        _capi.RECLITE_E_INVALID_ARGUMENT: (reclite.InvalidArgumentError, ValueError),
        _capi.RECLITE_E_STRUCT_SIZE: (reclite.StructSizeError, reclite.Error),
        _capi.RECLITE_E_BAD_MODEL: (reclite.BadModelError, reclite.Error),
        _capi.RECLITE_E_UNSUPPORTED: (reclite.UnsupportedError, reclite.Error),
        _capi.RECLITE_E_IO: (reclite.ModelIOError, OSError),
        _capi.RECLITE_E_NO_MEMORY: (reclite.NoMemoryError, MemoryError),
        _capi.RECLITE_E_ARENA_TOO_SMALL: (reclite.ArenaTooSmallError, ValueError),
        _capi.RECLITE_E_INTERNAL: (reclite.InternalError, reclite.Error),
    }
    for status, (cls, builtin) in classes.items():
        error = _errors.error_for(status, "what went wrong")
        assert type(error) is cls and isinstance(error, reclite.Error) and isinstance(error, builtin)
        assert error.message == str(error) == "what went wrong" and error.status == status
    unknown = _errors.error_for(77, "newer")
    assert type(unknown) is reclite.Error and unknown.status == 77 and unknown.status_name == "RECLITE_E_UNKNOWN"


def test_struct_size_error_carries_the_librarys_message(model: reclite.Model) -> None:
    # Only an older binding could send a too-small struct; provoke it through the private layer.
    info = _capi.reclite_model_info(struct_size=4)
    with model._using() as handle:
        status = _capi.lib().reclite_model_get_info(handle, ctypes.byref(info))
    error = _errors.error_for(status, _capi.last_error())
    assert isinstance(error, reclite.StructSizeError)
    assert "struct_size" in error.message and str(_capi.RECLITE_MODEL_INFO_SIZE_V1) in error.message
    v1 = _capi.reclite_model_info(struct_size=_capi.RECLITE_MODEL_INFO_SIZE_V1, score_kind=99)
    with model._using() as handle:
        assert _capi.lib().reclite_model_get_info(handle, ctypes.byref(v1)) == _capi.RECLITE_OK
    assert v1.catalog_size == SAMPLE_ITEMS and v1.score_kind == 99  # beyond struct_size: untouched
