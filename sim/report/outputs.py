"""Writing a run's tables: Parquet files and a JSON manifest, each written atomically.

A file is first written under a temporary name in the same folder, flushed to disk and then
renamed over the final name, so a reader (or a resumed sweep) never sees half a file. A run's
files are all written before any is renamed, so a failed write keeps the previous results.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from sim.errors import SimError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _staged(path: Path, write) -> Path:
    """Write a hidden temporary file next to `path` with `write(tmp)`, synced; the caller
    renames it over `path`. Nothing is left behind if writing fails (e.g. the disk is full)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return Path(tmp)


def _stage_bytes(data: bytes, path: Path) -> Path:
    return _staged(path, lambda tmp: Path(tmp).write_bytes(data))


def _stage_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return _staged(path, lambda tmp: frame.to_parquet(tmp, index=False))


def _replace(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    _replace(_stage_bytes(data, path), path)


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    _replace(_stage_parquet(frame, path), path)


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (CSV/formula injection)."""


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet shows as text: a leading apostrophe before a formula trigger."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_csv_safe(frame: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV, atomically, with every text cell made spreadsheet-safe.

    Scenario names and other user text end up in these files; numbers stay numbers.
    """
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_safe)
    try:
        atomic_write_bytes(Path(path), safe.to_csv(index=False).encode("utf-8"))
    except OSError as err:
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(path)) from None


def prepare_out_dir(out: str | Path) -> Path:
    """Create the output folder, or say clearly why it cannot be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise SimError("is a file, not a folder: choose a folder for the results", path=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(out)) from None
    return out


def check_inputs(scenario) -> tuple[str, ...]:
    """Read the scenario's zone map, population file and fund registry now, so that a bad
    file is reported in one line before a run is announced or a folder created; returns the
    notes on what the inputs left to the model (`sim.world.scenario_inputs.check_inputs`)."""
    from sim.world.scenario_inputs import check_inputs as read_inputs

    return read_inputs(scenario)  # cached: the run reuses it


def write_result(result, out: str | Path) -> dict[str, Path]:
    """Write summary, fund_years, unit_years (those present) and manifest.json to `out`."""
    out = prepare_out_dir(out)
    written = {}
    staged: list[tuple[Path, Path]] = []
    try:
        for name, frame in result.tables().items():
            path = out / f"{name}.parquet"
            staged.append((_stage_parquet(frame, path), path))
            written[name] = path
        manifest = out / "manifest.json"
        text = json.dumps(result.manifest, indent=2, default=str, ensure_ascii=False)
        staged.append((_stage_bytes(text.encode(), manifest), manifest))
        written["manifest"] = manifest
        # Every file is on disk before the first rename: a full disk leaves the folder's
        # previous results as they were, not a mix of old and new tables.
        for tmp, path in staged:
            _replace(tmp, path)
    except OSError as err:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(out)) from None
    return written


def format_headline(result) -> str:
    """The start and horizon of the headline metrics, mean over replicates, as a text table
    (one column when the run is a single year)."""
    headline = result.headline()
    table = headline[~headline.index.duplicated()].T
    table.columns = [str(c) for c in table.columns]
    lines = [f"{'metric':<24}" + "".join(f"{c:>16}" for c in table.columns)]
    for metric, row in table.iterrows():
        cells = []
        for v in row:
            if metric == "coverage":
                cells.append(f"{v:>15.1%} ")
            elif metric == "median_reserve_ratio":
                cells.append(f"{v:>16.2f}")
            else:
                cells.append(f"{v:>16,.0f}")
        lines.append(f"{metric:<24}" + "".join(cells))
    return "\n".join(lines)
