#!/usr/bin/env python3
"""Builds a RecLite model (.rlm) as ONNX graphs, op for op, so ONNX Runtime can run the same model.

The source is `reclite inspect MODEL --json --weights`: the verified graph with every constant
decoded to float32 (quantized tables dequantized, pruned rows restored, CSR densified) or int64.
Each RecLite op becomes the ONNX nodes a person would write for it by hand:

  EMBEDDING_LOOKUP   Gather(table, rows)
  EMBEDDING_BAG      its pooled rows depend on the looked-up row alone, so every bag is pooled at
                     export into a constant table [bags, d]; then Gather(table, rows)
  DENSE              MatMul(x, Wᵀ) (+ Add bias) (+ Relu / Sigmoid)
  CONCAT             Concat, with Expand for a per-request [1, d] input among [n, d] ones
  ADD / MUL          Add / Mul (numpy broadcasting covers a row count of 1)
  DOT                MatMul(cand [n, d], req [d, 1]) when one side is per-request, else ReduceSum(Mul)
  FM_INTERACTION     ½ · ReduceSum(Sum(v)² − Sum(v²))
  SIGMOID            Sigmoid

Only the ops the rank tensor depends on are built: the graph ends at the tensor RecLite ranks by
(a logit when the model ends in a sigmoid), which is what reclite_score returns. Two graphs:

  score      inputs: each feature's row index (user and context rows [1], item rows [n], int64);
             output: the rank tensor [n, 1].
  recommend  the whole catalog is a constant: a Gather of all catalog rows in order is replaced by
             the table's first `catalog` rows, so ONNX Runtime gathers nothing (and its constant
             folding can precompute whatever depends on the item alone); then TopK(k) over the
             scores. Outputs: top scores [k, 1] and catalog rows [k, 1]. Exclusion lists are not
             modeled: RecLite's recommend excludes items, this graph does not.

Feature inputs take row indices, not raw ids: the caller maps a raw id to its row (vocabulary
position, the out-of-vocabulary row for unknown ids, the value itself for identity features),
as `FeatureRows` does.

usage: onnx_export.py MODEL.rlm [--reclite build/bin/reclite] [--out DIR] [-k 10]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17: readable by every onnxruntime that runs opset 17


class ExportError(Exception):
    """The model uses something this exporter does not translate (the message says what)."""


def read_report(model_path: str, reclite: str) -> dict:
    """`reclite inspect MODEL --json --weights`, parsed."""
    result = subprocess.run([reclite, "inspect", model_path, "--json", "--weights"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ExportError(f"reclite inspect {model_path} failed: {result.stderr.strip() or result.stdout.strip()}")
    return json.loads(result.stdout)


def tensor_values(tensor: dict) -> np.ndarray:
    """A constant's decoded values (float32 or int64), shaped like the tensor."""
    kind = tensor.get("valuesType")
    if kind is None:
        raise ExportError(f"tensor {tensor['name']!r} has no decoded values: run inspect with --weights")
    dtype = {"float32": "<f4", "int64": "<i8"}.get(kind)
    if dtype is None:
        raise ExportError(f"tensor {tensor['name']!r}: unknown valuesType {kind!r}")
    flat = np.frombuffer(base64.b64decode(tensor["values"]), dtype=dtype).astype(dtype[1:], copy=False)
    shape = tensor["shape"]
    return flat.reshape(-1, shape[1]) if len(shape) == 2 else flat


def pooled_bags(table: np.ndarray, offsets: np.ndarray, values: np.ndarray, mode: str) -> np.ndarray:
    """Every bag of an EMBEDDING_BAG pooled once: row b = sum or mean of table[values[offsets[b]:offsets[b+1]]]
    (an empty bag is zeros), accumulated in order in float32 as RecLite's reference kernel does."""
    counts = np.diff(offsets)
    if (counts < 0).any() or offsets[0] != 0 or offsets[-1] != len(values):
        raise ExportError("bag offsets are not ascending from 0 to the value count")
    if len(values) and (values.min() < 0 or values.max() >= len(table)):
        raise ExportError("bag values point outside their table")
    owners = np.repeat(np.arange(len(counts)), counts)
    weights = np.ones(len(values), dtype=np.float32)
    if mode == "mean":
        weights = np.float32(1) / counts[owners].astype(np.float32)
    pooled = np.zeros((len(counts), table.shape[1]), dtype=np.float32)
    np.add.at(pooled, owners, table[values] * weights[:, None])
    return pooled


class FeatureRows:
    """Maps a feature's raw values to the row indices its graph input receives, as the runtime does."""

    def __init__(self, feature: dict, tensors: Sequence[dict]) -> None:
        self.name = feature["name"]
        self.kind = feature["kind"]
        self.rows = feature["rows"]
        self.oov_row = feature["oovRow"]
        index = feature["vocabularyTensor"]
        self.vocabulary = None if index < 0 else tensor_values(tensors[index])

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype=np.int64).reshape(-1)
        if self.vocabulary is None:
            return np.where((raw >= 0) & (raw < self.rows), raw, self.oov_row).astype(np.int64)
        position = np.searchsorted(self.vocabulary, raw)
        clipped = np.minimum(position, len(self.vocabulary) - 1)
        known = (position < len(self.vocabulary)) & (self.vocabulary[clipped] == raw)
        return np.where(known, position, self.oov_row).astype(np.int64)

    def values(self) -> np.ndarray:
        """The known raw values in row order."""
        return np.arange(self.rows, dtype=np.int64) if self.vocabulary is None else self.vocabulary


class _GraphBuilder:
    """Translates the ops the rank tensor needs into ONNX nodes, for one of the two graphs."""

    def __init__(self, report: dict, mode: str) -> None:
        self.report = report
        self.mode = mode
        self.tensors: List[dict] = report["tensors"]
        self.catalog = report["catalogItems"]
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: Dict[str, onnx.TensorProto] = {}
        self.inputs: List[onnx.ValueInfoProto] = []
        self.names: Dict[int, str] = {}  # RecLite tensor index → ONNX value name
        self.used_names: set = set()
        self.feature_of_input = {f["inputTensor"]: f for f in report["features"]}
        self.item_input = next((f["inputTensor"] for f in report["features"] if f["kind"] == "item"), -1)
        self._candidate_shape: Optional[str] = None

    # ---- Names, constants, nodes ----

    def unique(self, base: str) -> str:
        name, suffix = base, 1
        while name in self.used_names:
            suffix += 1
            name = f"{base}_{suffix}"
        self.used_names.add(name)
        return name

    def tensor_name(self, index: int) -> str:
        return self.tensors[index]["name"] or f"tensor{index}"

    def constant(self, base: str, array: np.ndarray) -> str:
        name = self.unique(base)
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(array), name)
        return name

    def node(self, op: str, inputs: Sequence[str], base: str, **attributes) -> str:
        output = self.unique(base)
        self.nodes.append(helper.make_node(op, list(inputs), [output], name=output, **attributes))
        return output

    def is_constant(self, index: int) -> bool:
        return self.tensors[index].get("location") == "file"

    def per_candidate(self, index: int) -> bool:
        """True for tensors with a row per candidate (shape [-1, w] or the item rows [-1])."""
        shape = self.tensors[index]["shape"]
        return not self.is_constant(index) and shape[0] == -1

    def value(self, index: int) -> str:
        """The ONNX name holding RecLite tensor `index`: a constant, a feature input, or an op's output."""
        if index in self.names:
            return self.names[index]
        tensor = self.tensors[index]
        if self.is_constant(index):
            name = self.constant(self.tensor_name(index), tensor_values(tensor))
        elif index in self.feature_of_input:
            feature = self.feature_of_input[index]
            name = self.unique(self.tensor_name(index))
            length = "n" if feature["kind"] == "item" else 1
            self.inputs.append(helper.make_tensor_value_info(name, TensorProto.INT64, [length]))
        else:
            raise ExportError(f"tensor {self.tensor_name(index)!r} is read before any op writes it")
        self.names[index] = name
        return name

    def candidate_count_shape(self) -> str:
        """[n, 1], for Expand to broadcast a per-request row over the candidates."""
        if self._candidate_shape is None:
            if self.mode == "recommend":
                self._candidate_shape = self.constant("candidates_by_1", np.array([self.catalog, 1], np.int64))
            else:
                count = self.node("Shape", [self.value(self.item_input)], "candidate_count")
                self._candidate_shape = self.node("Concat", [count, self.constant("one", np.array([1], np.int64))],
                                                  "candidates_by_1", axis=0)
        return self._candidate_shape

    # ---- Ops ----

    def gather_rows(self, table: np.ndarray, table_name: str, ids: int, out: str) -> str:
        """table[rows of `ids`]; for the whole catalog in order, the table's first rows as a constant."""
        if ids not in self.feature_of_input:
            raise ExportError(f"{out}: lookup ids {self.tensor_name(ids)!r} are not a feature's rows")
        if self.mode == "recommend" and ids == self.item_input:
            return self.constant(out, table[: self.catalog])
        return self.node("Gather", [self.constant(table_name, table), self.value(ids)], out, axis=0)

    def translate(self, op: dict) -> None:
        code = op["op"]
        inputs = op["inputTensors"]
        out_index = op["outputTensor"]
        out = self.tensor_name(out_index)
        if code == "EMBEDDING_LOOKUP":
            table = tensor_values(self.tensors[inputs[0]])
            result = self.gather_rows(table, self.tensor_name(inputs[0]), inputs[1], out)
        elif code == "EMBEDDING_BAG":
            table, offsets, values = (tensor_values(self.tensors[i]) for i in (inputs[0], inputs[2], inputs[3]))
            pooled = pooled_bags(table, offsets, values, op.get("bagMode", "sum"))
            result = self.gather_rows(pooled, f"{out}.pooled", inputs[1], out)
        elif code == "DENSE":
            weight = tensor_values(self.tensors[inputs[1]])
            result = self.node("MatMul", [self.value(inputs[0]), self.constant(f"{out}.weight_t", weight.T)],
                               out + ".matmul")
            if len(inputs) > 2 and inputs[2] >= 0:
                result = self.node("Add", [result, self.value(inputs[2])], out + ".bias")
        elif code == "CONCAT":
            wide = self.per_candidate(out_index)
            parts = [self.node("Expand", [self.value(i), self.candidate_count_shape()], f"{out}.expand")
                     if wide and not self.per_candidate(i) else self.value(i) for i in inputs]
            result = self.node("Concat", parts, out, axis=1)
        elif code in ("ADD", "MUL"):
            result = self.node(code.capitalize(), [self.value(inputs[0]), self.value(inputs[1])], out)
        elif code == "DOT":
            result = self.dot(inputs[0], inputs[1], out)
        elif code == "FM_INTERACTION":
            result = self.fm_interaction(inputs, out)
        elif code == "SIGMOID":
            result = self.node("Sigmoid", [self.value(inputs[0])], out)
        else:
            raise ExportError(f"op {code} is not translated (only ops before the ranked tensor are)")
        activation = op.get("activation", "none")
        if activation == "relu":
            result = self.node("Relu", [result], out + ".relu")
        elif activation == "sigmoid":
            result = self.node("Sigmoid", [result], out + ".sigmoid")
        elif activation != "none":
            raise ExportError(f"{out}: activation {activation!r} is not translated")
        self.names[out_index] = result

    def dot(self, a: int, b: int, out: str) -> str:
        """Row-wise dot → [n, 1]: one MatMul against the per-request vector when there is one."""
        if self.per_candidate(a) != self.per_candidate(b):
            candidates, request = (a, b) if self.per_candidate(a) else (b, a)
            column = self.node("Reshape", [self.value(request), self.constant("column", np.array([-1, 1], np.int64))],
                               f"{out}.column")
            return self.node("MatMul", [self.value(candidates), column], out)
        product = self.node("Mul", [self.value(a), self.value(b)], f"{out}.product")
        return self.node("ReduceSum", [product, self.axis_one()], out, keepdims=1)

    def fm_interaction(self, fields: Sequence[int], out: str) -> str:
        """½ Σ_j ((Σ_f v_f)² − Σ_f v_f²) → [n, 1]."""
        names = [self.value(f) for f in fields]
        total = self.node("Sum", names, f"{out}.sum")
        squared_total = self.node("Mul", [total, total], f"{out}.sum_squared")
        squares = [self.node("Mul", [v, v], f"{out}.square") for v in names]
        total_of_squares = self.node("Sum", squares, f"{out}.squares_sum")
        difference = self.node("Sub", [squared_total, total_of_squares], f"{out}.difference")
        pairwise = self.node("ReduceSum", [difference, self.axis_one()], f"{out}.pairs", keepdims=1)
        return self.node("Mul", [pairwise, self.constant("half", np.array(0.5, np.float32))], out)

    def axis_one(self) -> str:
        if "axis_one" not in self.initializers:
            self.initializers["axis_one"] = numpy_helper.from_array(np.array([1], np.int64), "axis_one")
            self.used_names.add("axis_one")
        return "axis_one"

    # ---- The graph ----

    def needed_ops(self, target: int) -> List[dict]:
        """The ops `target` depends on, in execution order."""
        needed, wanted = [], {target}
        for op in reversed(self.report["ops"]):
            if op.get("outputTensor") in wanted:
                needed.append(op)
                wanted.update(i for i in op["inputTensors"] if i >= 0)
        return needed[::-1]

    def build(self, k: int) -> onnx.ModelProto:
        rank = self.report["rankTensor"]
        if rank < 0:
            raise ExportError("the model has no ranked output (no catalog)")
        if self.item_input < 0:
            raise ExportError("the model has no item feature")
        for op in self.needed_ops(rank):
            self.translate(op)
        scores = self.value(rank)
        if not self.per_candidate(rank):
            raise ExportError(f"the ranked tensor {self.tensor_name(rank)!r} does not depend on the candidates")
        if self.mode == "score":
            outputs = [helper.make_tensor_value_info(scores, TensorProto.FLOAT, ["n", 1])]
        else:
            count = min(k, self.catalog)
            top_scores, top_rows = self.unique("top_scores"), self.unique("top_rows")
            self.nodes.append(helper.make_node(
                "TopK", [scores, self.constant("k", np.array([count], np.int64))], [top_scores, top_rows],
                name="top_k", axis=0, largest=1, sorted=1))
            outputs = [helper.make_tensor_value_info(top_scores, TensorProto.FLOAT, [count, 1]),
                       helper.make_tensor_value_info(top_rows, TensorProto.INT64, [count, 1])]
        graph = helper.make_graph(self.nodes, f"reclite_{self.mode}", self.inputs, outputs,
                                  initializer=list(self.initializers.values()))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="reclite bench/peers/onnx_export.py", ir_version=IR_VERSION)
        model.doc_string = (f"{self.report['path']}: {self.mode} graph ending at {self.tensor_name(rank)} "
                            f"({self.report['scoreKind']})")
        # Which feature's rows each input takes, for whoever builds the feeds.
        helper.set_model_props(model, {f"input:{self.names[f['inputTensor']]}": f["name"]
                                       for f in self.report["features"] if f["inputTensor"] in self.names})
        onnx.checker.check_model(model)
        return model


def build_onnx(report: dict, mode: str, k: int = 10) -> onnx.ModelProto:
    """The `score` or `recommend` graph of the model `report` describes."""
    if mode not in ("score", "recommend"):
        raise ValueError(f"mode must be 'score' or 'recommend', got {mode!r}")
    return _GraphBuilder(report, mode).build(k)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Write a .rlm model's score and recommend graphs as ONNX.")
    parser.add_argument("model", help="the .rlm file")
    parser.add_argument("--reclite", default="build/bin/reclite", help="the reclite CLI (for inspect)")
    parser.add_argument("--out", default=".", help="folder for MODEL.score.onnx and MODEL.recommend.onnx")
    parser.add_argument("-k", type=int, default=10, help="top-k of the recommend graph")
    args = parser.parse_args(argv)
    try:
        report = read_report(args.model, args.reclite)
        os.makedirs(args.out, exist_ok=True)
        stem = os.path.splitext(os.path.basename(args.model))[0]
        for mode in ("score", "recommend"):
            model = build_onnx(report, mode, args.k)
            path = os.path.join(args.out, f"{stem}.{mode}.onnx")
            onnx.save(model, path)
            ops = sorted({n.op_type for n in model.graph.node})
            print(f"{path}: {len(model.graph.node)} nodes ({', '.join(ops)}), "
                  f"inputs {[i.name for i in model.graph.input]}, {os.path.getsize(path):,} bytes")
    except ExportError as error:
        print(f"onnx_export: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
