"""The classic scenario: log, promote, tag, alias, roll back, query, audit and load.

Runs against the embedded store in ./modelyard (or MODELYARD_URI when set).
"""

from __future__ import annotations

import hashlib

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

import modelyard

NAME = "FraudDetectionModel"


def train(n_estimators: int, X: np.ndarray, y: np.ndarray) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=n_estimators, random_state=42).fit(X, y)


def log_versions(X: np.ndarray, y: np.ndarray) -> dict[int, RandomForestClassifier]:
    data_digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
    trained = {}
    for n_estimators in (100, 50, 200):
        params = {"n_estimators": n_estimators, "random_state": 42}
        with modelyard.start_run(experiment="fraud", params=params) as run:
            model = train(n_estimators, X, y)
            run.log_dataset("make_classification", data_digest, "sklearn.datasets", "training")
            run.log_metric("val_accuracy", float(model.score(X, y)))
            mv = run.log_model(
                model, "fraud_detection_model", registered_model_name=NAME, input_example=X[:5]
            )
        trained[mv.version] = model
        print(f"logged {NAME} version {mv.version} (run {run.id}, {mv.manifest_digest[:12]})")
    return trained


def govern(client: modelyard.Client, v1: int, v2: int) -> None:
    client.transition(NAME, v1, "Production")
    client.transition(NAME, v2, "Staging")
    for key, value in {
        "owner": "alice",
        "dataset_version": "1.5",
        "compliance_approved": "true",
    }.items():
        client.set_version_tag(NAME, v2, key, value)
    client.set_alias(NAME, "champion", v1)
    client.transition(NAME, v2, "Production", comment="better recall")
    print(f"v{v2} promoted; v{v1} is now {client.get_version(NAME, v1).stage}")
    back = client.rollback(NAME)
    print(
        f"rolled back: v{back.version} in Production, v{v2} is {client.get_version(NAME, v2).stage}"
    )
    for change in client.stage_history(NAME):
        print(
            f"  v{change.version}: {change.from_stage} -> {change.to_stage} "
            f"by {change.actor} ({change.comment or '-'})"
        )


def query(client: modelyard.Client) -> None:
    owned = client.search_all_versions(f"name = '{NAME}' AND tags.owner = 'alice'")
    print("versions owned by alice:", [v.version for v in owned])
    prod = client.get_version(NAME, "Production")
    print(f"in Production: v{prod.version}")
    print("audit trail:")
    for e in client.full_audit(NAME):
        version = f" v{e.version}" if e.version else ""
        print(
            f"  #{e.seq} {e.at:%Y-%m-%d %H:%M:%S} {e.actor} {e.action}{version} "
            f"{e.before or {}} -> {e.after or {}}"
        )


def load_and_check(X: np.ndarray, trained: dict[int, RandomForestClassifier], v2: int) -> None:
    client = modelyard.Client()
    for uri in (
        f"models:/{NAME}@champion",
        f"models:/{NAME}/Production",
        f"models:/{NAME}/{v2}",
        f"models:/{NAME}/latest",
    ):
        version = client.get_version_by_uri(uri).version
        loaded = modelyard.load_model(uri, client=client)
        same = np.array_equal(loaded.predict(X), trained[version].predict(X))
        print(f"{uri} -> v{version}, predictions equal: {same}")
        if not same:
            raise SystemExit(f"{uri}: predictions differ")
    client.close()


def main() -> None:
    X, y = make_classification(
        n_samples=100, n_features=4, n_informative=2, n_redundant=0, random_state=42
    )
    trained = log_versions(X, y)
    v1, v2, _ = sorted(trained)
    with modelyard.Client() as client:
        govern(client, v1, v2)
        query(client)
    load_and_check(X, trained, v2)


if __name__ == "__main__":
    main()
