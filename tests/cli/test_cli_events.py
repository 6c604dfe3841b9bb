"""``modelyard events watch``: a command per event, in order, resuming from the cursor;
on the embedded store and against a real server on 127.0.0.1."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from modelyard.client.client import Client
from tests.cli.support import add_version, assert_error, cli, ok

RECORDER = """
import json, sys
event = json.load(sys.stdin)
with open(sys.argv[1], "a") as f:
    f.write(json.dumps([event["seq"], event["type"], event["model"]]) + "\\n")
sys.exit(1 if event["model"] == sys.argv[2] else 0)
"""


def _recorder(tmp_path: Path, fail_on: str = "-") -> tuple[str, Path]:
    script, log = tmp_path / "record.py", tmp_path / "handled.jsonl"
    script.write_text(RECORDER)
    return shlex.join([sys.executable, str(script), str(log), fail_on]), log


def _handled(log: Path) -> list[list[object]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_watch_once_runs_the_command_per_event_in_order_and_resumes(
    client: Client, tmp_path: Path
) -> None:
    add_version(client, "fraud")
    client.transition("fraud", 1, "Production")
    command, log = _recorder(tmp_path)
    cursor = tmp_path / "cursor"
    ok("events", "watch", "--once", "--exec", command, "--cursor", str(cursor))
    first = _handled(log)
    assert [t for _, t, _ in first] == ["model.created", "version.created", "stage.transitioned"]
    assert [s for s, _, _ in first] == sorted(s for s, _, _ in first)
    assert cursor.read_text().strip() == str(first[-1][0])
    client.set_model_tag("fraud", "team", "risk")
    ok("events", "watch", "--once", "--exec", command, "--cursor", str(cursor))
    assert [t for _, t, _ in _handled(log)[len(first) :]] == ["tag.set"]


def test_watch_with_a_failing_command_stops_without_advancing(
    client: Client, tmp_path: Path
) -> None:
    add_version(client, "fraud")
    add_version(client, "churn")
    command, log = _recorder(tmp_path, fail_on="churn")
    cursor = tmp_path / "cursor"
    result = cli("events", "watch", "--once", "--exec", command, "--cursor", str(cursor))
    assert result.exit_code == 2 and "COMMAND_FAILED" in result.stderr
    handled = _handled(log)
    assert handled[-1][2] == "churn"
    assert cursor.read_text().strip() == str(handled[-2][0])  # the last event accepted


def test_watch_without_exec_prints_the_filtered_events(client: Client, tmp_path: Path) -> None:
    add_version(client, "fraud")
    add_version(client, "churn")
    out = ok("events", "watch", "--once", "--model", "churn", "--type", "version.created")
    events = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(e["type"], e["model"], e["version"]) for e in events] == [
        ("version.created", "churn", 1)
    ]


def test_watch_with_a_garbled_cursor_file_is_refused(client: Client, tmp_path: Path) -> None:
    cursor = tmp_path / "cursor"
    cursor.write_text("twelve\n")
    assert_error(cli("events", "watch", "--once", "--cursor", str(cursor)), "INVALID_ARGUMENT")


def test_watch_with_an_unknown_type_is_refused(client: Client) -> None:
    assert_error(cli("events", "watch", "--once", "--type", "stage.moved"), "INVALID_ARGUMENT")


@pytest.mark.parametrize("home", ["embedded"], indirect=True)
def test_watch_interrupted_by_ctrl_c_stops_cleanly_without_advancing(
    client: Client, tmp_path: Path
) -> None:
    add_version(client, "fraud")
    cursor = tmp_path / "cursor"
    cursor.write_text("1\n")
    interrupt = "import os, signal; os.kill(os.getppid(), signal.SIGINT)"
    command = shlex.join([sys.executable, "-c", interrupt])
    result = cli("events", "watch", "--once", "--exec", command, "--cursor", str(cursor))
    assert result.exit_code == 130 and "INTERRUPTED" in result.stderr
    assert cursor.read_text() == "1\n"
