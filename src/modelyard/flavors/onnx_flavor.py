"""The ``onnx`` flavor: an ``onnx.ModelProto`` saved as one self-contained file, run by
onnxruntime on the CPU. Models that reference external data files are refused, because those
references are paths the file chooses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from modelyard.errors import InvalidArgument
from modelyard.flavors.base import Flavor, LoadPolicy, Predictor, Written, pinned
from modelyard.flavors.paths import read_contained, write_atomic

ONNX_FILE = "model.onnx"
_TENSOR_DTYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int8)": np.int8,
    "tensor(int16)": np.int16,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
    "tensor(uint8)": np.uint8,
    "tensor(uint16)": np.uint16,
    "tensor(uint32)": np.uint32,
    "tensor(uint64)": np.uint64,
    "tensor(bool)": np.bool_,
    "tensor(string)": np.object_,
}


@dataclass(frozen=True)
class OnnxPredictor:
    """An onnxruntime session: ``predict`` feeds the first input and returns the first output."""

    raw: Any
    flavor: str = "onnx"

    def predict(self, X: Any) -> Any:
        first_input = self.raw.get_inputs()[0]
        dtype = _TENSOR_DTYPES.get(first_input.type)
        feed = np.asarray(X, dtype=dtype) if dtype is not None else X
        first_output = self.raw.get_outputs()[0].name
        return np.asarray(self.raw.run([first_output], {first_input.name: feed})[0])


def accepts(model: Any) -> bool:
    import onnx

    return isinstance(model, onnx.ModelProto)


def wrap(model: Any) -> Predictor:
    return OnnxPredictor(_session(_serialize(model)))


def save(model: Any, directory: Path, serialization: str) -> Written:
    del serialization  # the ONNX protobuf is the only one
    data = _serialize(model)
    write_atomic(directory, ONNX_FILE, data)
    metadata: dict[str, Any] = {"format": "onnx", "model_file": ONNX_FILE}
    return Written((ONNX_FILE,), metadata, pinned("onnx", "onnxruntime", "numpy"))


def load(directory: Path, metadata: Mapping[str, Any], policy: LoadPolicy) -> Predictor:
    del policy  # ONNX is data, not code
    form = metadata.get("format")
    if form != "onnx":
        raise InvalidArgument(f"onnx format must be 'onnx', got {form!r}")
    name = metadata.get("model_file")
    if not isinstance(name, str):
        raise InvalidArgument("onnx metadata must name a model_file")
    data = read_contained(directory, name, field="model_file")
    return OnnxPredictor(_session(data))


def _serialize(model: Any) -> bytes:
    import onnx

    if not accepts(model):
        raise InvalidArgument(
            f"the onnx flavor needs an onnx.ModelProto, got {type(model).__name__}"
        )
    _refuse_external_data(model)
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise InvalidArgument(f"the ONNX model is not valid: {exc}") from exc
    return bytes(model.SerializeToString())


def _session(data: bytes) -> Any:
    import onnx
    import onnxruntime

    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:
        raise InvalidArgument(f"model_file is not an ONNX model: {exc}") from exc
    _refuse_external_data(model)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(
            data, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise InvalidArgument(f"onnxruntime cannot load the model: {exc}") from exc


def _refuse_external_data(model: Any) -> None:
    from onnx.external_data_helper import uses_external_data

    for tensor in _tensors(model):
        if uses_external_data(tensor):
            raise InvalidArgument(
                f"ONNX tensor {tensor.name!r} references external data; "
                "only self-contained ONNX models are supported"
            )


def _tensors(model: Any) -> Iterator[Any]:
    graphs = [model.graph]
    nodes = [node for function in model.functions for node in function.node]
    while graphs or nodes:
        if graphs:
            graph = graphs.pop()
            yield from graph.initializer
            for sparse in graph.sparse_initializer:
                yield from (sparse.values, sparse.indices)
            nodes.extend(graph.node)
            continue
        for attribute in nodes.pop().attribute:
            yield from ([attribute.t] if attribute.HasField("t") else [])
            yield from attribute.tensors
            sparse_tensors = list(attribute.sparse_tensors)
            if attribute.HasField("sparse_tensor"):
                sparse_tensors.append(attribute.sparse_tensor)
            for sparse in sparse_tensors:
                yield from (sparse.values, sparse.indices)
            graphs.extend([attribute.g] if attribute.HasField("g") else [])
            graphs.extend(attribute.graphs)


FLAVOR = Flavor(
    name="onnx",
    serializations=("onnx",),
    accepts=accepts,
    wrap=wrap,
    save=save,
    load=load,
)
