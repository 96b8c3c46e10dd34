#!/usr/bin/env python3
"""The ONNX exporter against a numpy evaluation of the .rlm op semantics (schema/reclite.fbs).

The students exercise lookups, bags, dense layers, FM and dots against RecLite itself (make
bench-smoke); this graph adds what no exported model has today: CONCAT broadcasting a per-request
row, MUL, DOT of two per-candidate tensors, FM over a per-request field, an activation on DENSE,
an identity (context) feature, empty bags and unknown ids.

usage: python3 bench/peers/test_onnx_export.py
"""

import base64
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_export  # noqa: E402
import ort_peer  # noqa: E402

RNG = np.random.default_rng(7)
USERS = np.array([10, 20, 30], np.int64)
ITEMS = np.array([5, 6, 7, 8], np.int64)
BAG_OFFSETS = np.array([0, 2, 2, 5, 6, 6], np.int64)  # bags of rows 0..4 (4 = out of vocabulary); 1 and 4 empty
BAG_VALUES = np.array([0, 3, 1, 2, 3, 0], np.int64)
WEIGHTS = {
    "user_table": RNG.normal(size=(4, 3)).astype(np.float32),
    "hour_table": RNG.normal(size=(25, 3)).astype(np.float32),
    "item_table": RNG.normal(size=(5, 3)).astype(np.float32),
    "genre_table": RNG.normal(size=(4, 3)).astype(np.float32),
    "w1": RNG.normal(size=(2, 6)).astype(np.float32),
    "b1": RNG.normal(size=(2,)).astype(np.float32),
    "w2": RNG.normal(size=(1, 2)).astype(np.float32),
}


def constant(index, name, array):
    kind = "int64" if array.dtype == np.int64 else "float32"
    return {"index": index, "name": name, "dtype": kind, "shape": list(array.shape), "bytes": array.nbytes,
            "location": "file", "valuesType": kind,
            "values": base64.b64encode(array.astype("<i8" if kind == "int64" else "<f4").tobytes()).decode()}


def activation(index, name, shape):
    return {"index": index, "name": name, "dtype": "float32" if len(shape) == 2 else "int32", "shape": shape,
            "bytes": 0, "location": "arena@0"}


def op(code, inputs, output, act="none", bag=None):
    entry = {"op": code, "inputTensors": inputs, "outputTensor": output, "activation": act}
    if bag:
        entry["bagMode"] = bag
    return entry


def report():
    """A hand-built `reclite inspect --json --weights` of a model using every op kind."""
    c, a = constant, activation
    tensors = [
        c(0, "user.vocabulary", USERS), a(1, "user.row", [1]), a(2, "hour.row", [1]),
        c(3, "item.vocabulary", ITEMS), a(4, "item.row", [-1]),
        c(5, "user_table", WEIGHTS["user_table"]), c(6, "hour_table", WEIGHTS["hour_table"]),
        c(7, "item_table", WEIGHTS["item_table"]), c(8, "genre_table", WEIGHTS["genre_table"]),
        c(9, "genres.offsets", BAG_OFFSETS), c(10, "genres.values", BAG_VALUES),
        a(11, "user_embedding", [1, 3]), a(12, "hour_embedding", [1, 3]), a(13, "item_embedding", [-1, 3]),
        a(14, "genres", [-1, 3]), a(15, "user_vector", [1, 3]), a(16, "both", [-1, 6]),
        c(17, "w1", WEIGHTS["w1"]), c(18, "b1", WEIGHTS["b1"]), a(19, "hidden", [-1, 2]),
        a(20, "item_dot_genres", [-1, 1]), a(21, "fm", [-1, 1]), c(22, "w2", WEIGHTS["w2"]),
        a(23, "head", [-1, 1]), a(24, "partial", [-1, 1]), a(25, "partial2", [-1, 1]),
        a(26, "user_dot_item", [-1, 1]), a(27, "logit", [-1, 1]), a(28, "score", [-1, 1]),
    ]
    ops = [
        op("EMBEDDING_LOOKUP", [5, 1], 11), op("EMBEDDING_LOOKUP", [6, 2], 12),
        op("EMBEDDING_LOOKUP", [7, 4], 13), op("EMBEDDING_BAG", [8, 4, 9, 10], 14, bag="mean"),
        op("MUL", [11, 12], 15), op("CONCAT", [15, 13], 16), op("DENSE", [16, 17, 18], 19, act="sigmoid"),
        op("DOT", [13, 14], 20), op("FM_INTERACTION", [11, 13, 14], 21), op("DENSE", [19, 22, -1], 23, act="relu"),
        op("ADD", [20, 21], 24), op("ADD", [24, 23], 25), op("DOT", [15, 13], 26), op("ADD", [25, 26], 27),
        op("SIGMOID", [27], 28), {"op": "TOP_K", "inputTensors": [28], "activation": "none"},
    ]
    features = [
        {"index": 0, "name": "user", "kind": "user", "rows": 3, "oovRow": 3, "vocabularyTensor": 0, "inputTensor": 1},
        {"index": 1, "name": "hour", "kind": "context", "rows": 24, "oovRow": 24, "vocabularyTensor": -1,
         "inputTensor": 2},
        {"index": 2, "name": "item", "kind": "item", "rows": 4, "oovRow": 4, "vocabularyTensor": 3, "inputTensor": 4},
    ]
    return {"path": "synthetic", "tensors": tensors, "ops": ops, "features": features, "catalogItems": 4,
            "scoreKind": "logit", "scoreTensor": 27, "rankTensor": 27}


def reference_logits(user_row, hour_row, item_rows):
    """The model evaluated from the op definitions, in float64."""
    w = {k: v.astype(np.float64) for k, v in WEIGHTS.items()}
    user = w["user_table"][[user_row]]
    hour = w["hour_table"][[hour_row]]
    items = w["item_table"][item_rows]
    genres = np.zeros((len(item_rows), 3))
    for i, row in enumerate(item_rows):
        members = BAG_VALUES[BAG_OFFSETS[row]:BAG_OFFSETS[row + 1]]
        if len(members):
            genres[i] = w["genre_table"][members].mean(axis=0)
    user_vector = user * hour
    both = np.concatenate([np.repeat(user_vector, len(item_rows), axis=0), items], axis=1)
    hidden = 1 / (1 + np.exp(-(both @ w["w1"].T + w["b1"])))
    head = np.maximum(hidden @ w["w2"].T, 0)
    fields = [np.broadcast_to(user, items.shape), items, genres]
    fm = 0.5 * (sum(fields) ** 2 - sum(f * f for f in fields)).sum(axis=1, keepdims=True)
    dots = (items * genres).sum(axis=1, keepdims=True) + (user_vector * items).sum(axis=1, keepdims=True)
    return (dots + fm + head).reshape(-1)


class ExporterTest(unittest.TestCase):
    def setUp(self):
        self.report = report()
        self.peer = ort_peer.OrtPeer(self.report, k=3)

    def test_score_graph_matches_the_op_semantics(self):
        for user, hour in [(20, 7), (99, 23), (10, 40)]:  # 99: unknown user; 40: hour out of range
            items = np.array([5, 8, 99, 6, 7, 5], np.int64)  # 99: unknown item (empty bag)
            feed = self.peer.feed(self.peer.score, user, {"hour": hour}, items)
            got = self.peer.score.run(None, feed)[0].reshape(-1)
            rows = self.peer.features
            want = reference_logits(int(rows["user"](user)[0]), int(rows["hour"](hour)[0]), rows["item"](items))
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)

    def test_recommend_graph_is_the_top_k_of_the_catalog(self):
        feed = self.peer.feed(self.peer.recommend, 30, {"hour": 3})
        self.assertEqual(set(feed), {"user.row", "hour.row"})  # no item input: the catalog is a constant
        scores, rows = self.peer.recommend.run(None, feed)
        want = reference_logits(2, 3, np.arange(4))
        np.testing.assert_array_equal(rows.reshape(-1), np.argsort(-want, kind="stable")[:3])
        np.testing.assert_allclose(scores.reshape(-1), np.sort(want)[::-1][:3], rtol=1e-5, atol=1e-5)

    def test_feature_rows_map_unknown_values_to_the_oov_row(self):
        rows = self.peer.features
        np.testing.assert_array_equal(rows["item"](np.array([5, 8, 4, 9, -1])), [0, 3, 4, 4, 4])
        np.testing.assert_array_equal(rows["hour"](np.array([0, 23, 24, -1])), [0, 23, 24, 24])

    def test_mean_bags_pool_like_the_runtime(self):
        pooled = onnx_export.pooled_bags(WEIGHTS["genre_table"], BAG_OFFSETS, BAG_VALUES, "mean")
        np.testing.assert_allclose(pooled[0], WEIGHTS["genre_table"][[0, 3]].mean(axis=0), rtol=1e-6)
        np.testing.assert_array_equal(pooled[1], 0)
        summed = onnx_export.pooled_bags(WEIGHTS["genre_table"], BAG_OFFSETS, BAG_VALUES, "sum")
        np.testing.assert_allclose(summed[2], WEIGHTS["genre_table"][[1, 2, 3]].sum(axis=0), rtol=1e-6)

    def test_untranslatable_input_is_refused_with_its_name(self):
        broken = report()
        broken["ops"][0]["inputTensors"] = [5, 12]  # ids from an activation, not a feature
        with self.assertRaisesRegex(onnx_export.ExportError, "hour_embedding"):
            onnx_export.build_onnx(broken, "score")


if __name__ == "__main__":
    unittest.main(verbosity=1)
