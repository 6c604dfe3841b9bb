"""``modelyard fsck`` over both transports: a whole store passes, damage is named."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from modelyard.client.client import Client
from tests.cli.support import add_version, cli, ok


def _blob_file(root: Path, digest: str) -> Path:
    found = [p for p in root.rglob(digest) if p.is_file() and "blobs" in p.parts]
    assert len(found) == 1, found
    return found[0]


def test_fsck_intact_store_exits_zero(client: Client) -> None:
    add_version(client, "Fraud")
    add_version(client, "Fraud", {"model.bin": b"other"})
    report = json.loads(ok("fsck", "--json").stdout)
    assert report["ok"] is True
    assert (report["versions"], report["blobs"]) == (2, 2)
    assert report["audit_events"] >= 3


def test_fsck_flipped_byte_names_the_file_and_exits_one(client: Client, tmp_path: Path) -> None:
    mv = add_version(client, "Fraud", {"weights/model.bin": b"weights-to-damage"})
    blob = _blob_file(tmp_path, mv.manifest.entries[0].sha256)
    blob.write_bytes(b"weights-to-damagE")
    result = cli("fsck", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["problems"] == [
        {
            "model": "Fraud",
            "version": 1,
            "path": "weights/model.bin",
            "digest": mv.manifest.entries[0].sha256,
            "kind": "corrupt",
        }
    ]


def test_fsck_missing_blob_is_reported(client: Client, tmp_path: Path) -> None:
    mv = add_version(client, "Fraud")
    _blob_file(tmp_path, mv.manifest.entries[0].sha256).unlink()
    result = cli("fsck")
    assert result.exit_code == 1
    assert "missing:" in result.stdout and "Fraud v1 model.bin" in result.stdout


def test_fsck_truncated_audit_tail_names_the_problem(client: Client, tmp_path: Path) -> None:
    add_version(client, "Fraud")
    client.set_model_tag("Fraud", "owner", "alice")
    for db in tmp_path.rglob("*.db"):  # the store the command reaches (embedded or server)
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")

    result = cli("fsck", "--json")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["audit_ok"] is False
    assert "head records event" in report["audit_problem"]
