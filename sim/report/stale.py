"""Committed results declared stale, out loud: results/STALE.toml.

A committed study can lag the model for a while (it may take hours to regenerate). It then
stays in the repository only if ``results/STALE.toml`` names it with the reason and the command
that regenerates it; the README's results section says the same. A stale result that is not
declared fails ``tests/test_results_manifests.py``, and so does a declared one that is current
again (the declaration must be removed). Nothing goes stale silently.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

STALE_FILE = "STALE.toml"


def declared_stale(results_dir: str | Path) -> dict[str, dict]:
    """Folder name -> {"reason", "command"} for each result declared stale."""
    path = Path(results_dir) / STALE_FILE
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return {name: dict(entry) for name, entry in tomllib.load(handle).items()}
