"""Save and load models per framework ("flavor"): scikit-learn, Python functions, ONNX.

A saved model is a directory holding the model file(s) and a descriptor,
``modelyard-model.json``. Loading never runs code the artifact chooses unless the caller
opts in: skops files load only the listed scikit-learn estimators (each checked
structurally) and builtin/numpy data, or types the caller names in ``trusted_types``; pickles
need ``allow_pickle=True``; and every file name must stay inside the directory.
"""

from modelyard.flavors.base import Predictor
from modelyard.flavors.descriptor import DESCRIPTOR, SavedModel, read_descriptor
from modelyard.flavors.persistence import load_model, save_model

__all__ = [
    "DESCRIPTOR",
    "Predictor",
    "SavedModel",
    "load_model",
    "read_descriptor",
    "save_model",
]
