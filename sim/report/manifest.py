"""Manifests of committed results: the command that made them and what they depend on.

Every folder under ``results/`` that the repository commits carries a ``manifest.json``:
the command that made it (run from the repository root), the package version, the model
version (:mod:`sim.model.version`) and a hash of the parameter defaults (their values, not
their wording). ``tests/test_results_manifests.py`` compares both with the current code, so a
change to the model or its defaults that is not followed by regenerating the results fails
the tests instead of leaving a stale answer in the README.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from sim import __version__
from sim.inputs.parameters import default_parameters
from sim.model.version import MODEL_VERSION

MANIFEST = "manifest.json"


def defaults_hash() -> str:
    """SHA-256 of every default value (by path), so a changed default changes the hash."""
    values = default_parameters().to_dict()
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def results_manifest(command: str, **extra) -> dict:
    return {
        "command": command,
        "package_version": __version__,
        "model_version": MODEL_VERSION,
        "defaults_sha256": defaults_hash(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def write_results_manifest(folder: str | Path, command: str, **extra) -> Path:
    """Write (replace) `folder`/manifest.json for a committed study; returns its path."""
    path = Path(folder) / MANIFEST
    path.write_text(json.dumps(results_manifest(command, **extra), indent=1, default=str) + "\n", encoding="utf-8")
    return path


def stale_reasons(manifest: dict) -> list[str]:
    """Why a committed result no longer matches the code ([] when it does)."""
    reasons = []
    if manifest.get("model_version") != MODEL_VERSION:
        reasons.append(f"model version {manifest.get('model_version')} != current {MODEL_VERSION}")
    if manifest.get("defaults_sha256") != defaults_hash():
        reasons.append("the parameter defaults changed since it was made")
    return reasons
