"""modelyard: a self-hosted ML model registry.

Log, version, promote, alias, audit and load models from Python::

    with modelyard.start_run(params={"n_estimators": 100}) as run:
        mv = run.log_model(model, "fraud_detection_model",
                           registered_model_name="FraudDetectionModel")
    modelyard.Client().transition("FraudDetectionModel", mv.version, "Production")
    model = modelyard.load_model("models:/FraudDetectionModel/Production")
"""

from modelyard.client.client import Client
from modelyard.client.runs import ActiveRun, load_model, start_run
from modelyard.errors import (
    AlreadyExists,
    Conflict,
    IntegrityError,
    InvalidArgument,
    ModelyardError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    UnsafeArtifact,
)

__version__ = "0.1.0"

__all__ = [
    "ActiveRun",
    "AlreadyExists",
    "Client",
    "Conflict",
    "IntegrityError",
    "InvalidArgument",
    "ModelyardError",
    "NotFound",
    "PermissionDenied",
    "Unauthenticated",
    "Unavailable",
    "UnsafeArtifact",
    "__version__",
    "load_model",
    "start_run",
]
