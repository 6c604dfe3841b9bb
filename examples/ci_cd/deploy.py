"""Deploy a model version when it is promoted to Production: a handler for
``modelyard events watch --exec``.

It reads one registry event (JSON) on stdin. Anything but a ``stage.transitioned`` into
Production (a rollback is one too) is ignored with exit status 0. For a promotion it

1. fetches that version and checks its manifest digest is the event's,
2. downloads its files into ``ROOT/releases/<digest>``, each verified against its
   digest (a release already there is verified again instead),
3. loads the model from there and runs a smoke prediction on ``--sample`` (a JSON list
   of input rows), which must answer one prediction per row,
4. points ``ROOT/current`` at the release by replacing the symlink atomically, so a
   reader sees the old release or the new one, never neither.

Any failure exits non-zero before ``current`` moves, so ``events watch`` keeps its cursor
before the event and the next start tries again. The registry is the one ``modelyard``
would use: ``MODELYARD_URI`` (and ``MODELYARD_TOKEN`` with auth on).

    modelyard events watch --model fraud --type stage.transitioned \\
        --cursor /srv/fraud/cursor \\
        --exec "python examples/ci_cd/deploy.py --root /srv/fraud --sample sample.json"
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import modelyard
    from modelyard.domain.digests import Manifest

DIGEST = re.compile(r"[0-9a-f]{64}")


class DeployError(Exception):
    """The version cannot be deployed; the message says why."""


def promotion(event: dict[str, Any]) -> tuple[str, int, str] | None:
    """(model, version, manifest digest) of a move into Production; None for any other
    event. The digest becomes a folder name, so it is checked to be one first."""
    after = event.get("after") or {}
    if event.get("type") != "stage.transitioned" or after.get("stage") != "Production":
        return None
    model, version, digest = event.get("model"), event.get("version"), event.get("manifest_digest")
    if not isinstance(model, str) or not isinstance(version, int) or isinstance(version, bool):
        raise DeployError("the event names no model version")
    if not isinstance(digest, str) or not DIGEST.fullmatch(digest):
        raise DeployError(f"the event carries no manifest digest for {model} v{version}")
    return model, version, digest


def verify_files(release: Path, manifest: Manifest) -> None:
    """Every file of the manifest in ``release``, byte for byte (a release kept from an
    earlier deploy may have been touched since)."""
    for entry in manifest.entries:
        path = release / entry.path
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != entry.sha256:
            raise DeployError(f"{path} does not match the manifest")


def fetch(
    client: modelyard.Client, root: Path, model: str, version: int, digest: str
) -> tuple[Path, Manifest]:
    """The release folder of exactly this version, downloaded and verified."""
    mv = client.get_version(model, version)
    if mv.manifest.digest != digest:
        raise DeployError(f"{model} v{version} has manifest {mv.manifest.digest}, not {digest}")
    release = root / "releases" / digest
    if release.is_dir():
        verify_files(release, mv.manifest)
    else:
        client.download(f"models:/{model}/{version}", release, progress=False)
    return release, mv.manifest


def smoke_test(release: Path, manifest: Manifest, sample: Path) -> None:
    rows = json.loads(sample.read_text())
    if not isinstance(rows, list) or not rows:
        raise DeployError(f"{sample} holds no list of input rows")
    from modelyard.flavors import load_model

    predictions = load_model(release, manifest=manifest).predict(rows)
    if len(predictions) != len(rows):
        raise DeployError(f"smoke prediction answered {len(predictions)} rows for {len(rows)}")


def switch(root: Path, release: Path) -> None:
    """Point ``root/current`` at the release: a new link, renamed over the old one."""
    link = root / "current"
    tmp = root / f".current.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(release.relative_to(root), tmp)
    os.replace(tmp, link)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy a model version on promotion.")
    parser.add_argument("--root", type=Path, required=True, help="releases/ and current live here")
    parser.add_argument("--sample", type=Path, required=True, help="JSON rows to smoke-test")
    args = parser.parse_args(argv)
    try:
        target = promotion(json.load(sys.stdin))
        if target is None:
            return 0
        root = args.root.resolve()
        root.mkdir(parents=True, exist_ok=True)
        # imported only for a promotion: every other event exits before paying for it
        import modelyard

        with modelyard.Client() as client:
            release, manifest = fetch(client, root, *target)
        smoke_test(release, manifest, args.sample)
        switch(root, release)
    except Exception as exc:  # any failure: report it in one line and keep `current`
        print(f"deploy failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"deployed {target[0]} v{target[1]} (manifest {target[2]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
