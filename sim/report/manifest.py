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


def data_files_hash() -> dict[str, str]:
    """SHA-256 of each data file the model reads that a command makes (the 2023 start, the value
    of a fund's state): regenerating one changes what runs give, as a changed default does."""
    from sim.model.history_start import START_FILE
    from sim.model.state_value import DATA_FILE

    out = {}
    for path in (START_FILE, DATA_FILE):
        path = Path(path)
        if not path.is_file():
            out[path.name] = "missing"
        elif path.suffix == ".npz":  # by content: the zip's own time stamps change with every write
            import numpy as np

            digest = hashlib.sha256()
            with np.load(path) as data:
                for name in sorted(data.files):
                    digest.update(name.encode() + str(data[name].dtype).encode() + str(data[name].shape).encode())
                    digest.update(np.ascontiguousarray(data[name]).tobytes())
            out[path.name] = digest.hexdigest()
        else:
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def made_with() -> dict:
    """What a run's numbers depend on besides its own settings: the model version, the parameter
    defaults and the model's data files. A sweep folder stores it and refuses to resume under
    another (`sim.experiments.store.write_or_check_manifest`)."""
    return {"model_version": MODEL_VERSION, "defaults_sha256": defaults_hash(), "data_sha256": data_files_hash()}


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
