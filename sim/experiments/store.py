"""The sweep's folder on disk: written as runs finish, readable as datasets at any time.

Layout of OUT::

    sweep.json                   definition + design, written first (checked on resume)
    .lock                        held while a sweep writes here
    summary/p00012-r003.parquet  one file per run and table (also fund_years/, unit_years/)
    runs/p00012-r003.parquet     one row per run, written LAST: the run is finished
    failed/p00012-r003.txt       traceback of a run that raised (redone on resume)

Each table folder reads as one dataset (`pd.read_parquet(OUT / "summary")`): files are
written to hidden temporary names (".…tmp", which Arrow's dataset discovery skips), synced,
then renamed into place, so a reader or a crash never sees half a file.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim._moved import new_path
from sim.errors import SimError

SWEEP_JSON = "sweep.json"
RUNS = "runs"
FAILED = "failed"
LOCK = ".lock"
TMP_SUFFIX = ".tmp"
MANIFEST_FORMAT = 1


def table_dir(out: Path, table: str) -> Path:
    return out / table


def table_file(out: Path, table: str, run_id: str) -> Path:
    return out / table / f"{run_id}.parquet"


def runs_file(out: Path, run_id: str) -> Path:
    return out / RUNS / f"{run_id}.parquet"


def is_finished(out: Path, run_id: str) -> bool:
    """A run is finished exactly when its runs row exists."""
    return runs_file(out, run_id).exists()


def finished_run_ids(out: Path) -> list[str]:
    folder = out / RUNS
    if not folder.is_dir():
        return []
    return sorted(
        name[: -len(".parquet")]
        for name in os.listdir(folder)
        if name.endswith(".parquet") and not name.startswith(".")
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a table so that `path` is either absent or complete, even after a crash."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    try:
        with open(tmp, "wb") as handle:
            pq.write_table(table, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def write_text_atomic(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{TMP_SUFFIX}")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Refuse, at once, a second sweep writing into the same folder."""
    from filelock import FileLock, Timeout

    if out.exists() and not out.is_dir():
        raise SimError("is a file, not a folder: choose a folder for the results", path=str(out))
    lock = FileLock(str(out / LOCK))
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=0)
    except Timeout:
        raise SimError(
            "another sweep is writing to this folder (lock held); wait for it to finish "
            "or choose another output folder",
            path=str(out),
        ) from None
    except OSError as err:  # a path under a file, a read-only or full disk
        raise SimError(
            f"cannot write the sweep folder ({err.strerror or err})", path=str(out)
        ) from None
    try:
        yield
    finally:
        lock.release()


def read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / SWEEP_JSON
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SimError(f"cannot read the sweep definition: {err}", path=str(path)) from None


def _first_difference(old: Any, new: Any, where: str = "") -> str | None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                return f"{where}{key}"
            found = _first_difference(old[key], new[key], f"{where}{key}.")
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return f"{where.rstrip('.')} (length {len(old)} here, {len(new)} now)"
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            found = _first_difference(a, b, f"{where.rstrip('.')}[{i}].")
            if found:
                return found
        return None
    return None if old == new else where.rstrip(".")


def made_with_difference(out: Path, manifest: dict[str, Any]) -> str | None:
    """Why the runs in `out` were made by another model than the one about to run (another
    model version, other parameter defaults or other model data files), or None. A folder
    written before the model fingerprint was stored (0.2 and earlier) cannot say: None."""
    existing = read_manifest(out)
    if existing is None or "made_with" not in existing or "made_with" not in manifest:
        return None
    old, new = existing["made_with"], json.loads(json.dumps(manifest["made_with"]))
    if old.get("model_version") != new.get("model_version"):
        return f"model version {old.get('model_version')}, now {new.get('model_version')}"
    if old.get("defaults_sha256") != new.get("defaults_sha256"):
        return "other parameter defaults"
    changed = [name for name in sorted(set(old.get("data_sha256", {})) | set(new.get("data_sha256", {})))
               if old.get("data_sha256", {}).get(name) != new.get("data_sha256", {}).get(name)]
    if changed:
        return f"other model data ({', '.join(changed)})"
    return None


def write_or_check_manifest(out: Path, manifest: dict[str, Any]) -> bool:
    """Write sweep.json for a new sweep; on resume, refuse a different sweep, and runs made by
    another model (`made_with_difference`): mixing them would silently mix two models.

    Returns True when the folder already held this sweep (a resume).
    """
    normal = json.loads(json.dumps(manifest))
    existing = read_manifest(out)
    if existing is None:
        if any(name != LOCK for name in os.listdir(out)):
            raise SimError(
                "the folder is not empty and holds no sweep (sweep.json missing); "
                "choose a new or empty folder",
                path=str(out),
            )
        write_text_atomic(json.dumps(normal, indent=1) + "\n", out / SWEEP_JSON)
        return False
    stale = made_with_difference(out, manifest)
    if stale:
        raise SimError(
            f"this folder holds runs made by another model ({stale}); delete it to run the sweep "
            "again, or use another output folder",
            path=str(out / SWEEP_JSON),
        )
    if isinstance(existing.get("model"), str):  # written before the layout by layer (0.1)
        existing = {**existing, "model": new_path(existing["model"])}
    for key in ("definition", "model", "points", "unit"):
        difference = _first_difference({key: existing.get(key)}, {key: normal.get(key)})
        if difference:
            raise SimError(
                f"this folder holds a different sweep ({difference} differs); "
                "use another output folder, or delete this one to start again",
                path=str(out / SWEEP_JSON),
            )
    return True


def clean_unfinished(out: Path, tables: Iterable[str]) -> int:
    """Remove temporary files and the tables of runs that never wrote their runs row.

    Those runs are redone, so the final dataset holds only complete runs. Returns the number
    of files removed.
    """
    finished = set(finished_run_ids(out))
    removed = 0
    for folder in {RUNS, *tables}:
        path = out / folder
        if not path.is_dir():
            continue
        for name in os.listdir(path):
            stale = name.startswith(".") and name.endswith(TMP_SUFFIX)
            orphan = (
                folder != RUNS
                and name.endswith(".parquet")
                and name[: -len(".parquet")] not in finished
            )
            if stale or orphan:
                (path / name).unlink(missing_ok=True)
                removed += 1
    return removed


def read_tables(files: list[Path]) -> pd.DataFrame:
    """Read many per-run parquet files as one table (empty frame when there are none).

    The schema is unified over every file, not taken from the first: a column that only
    some runs have, or that is integer in one run and float in another, is kept and widened
    rather than dropped or truncated.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if not files:
        return pd.DataFrame()
    schemas: dict[pa.Schema, None] = {}
    for f in files:
        schemas.setdefault(pq.read_schema(f), None)
    schema = pa.unify_schemas(list(schemas), promote_options="permissive")
    dataset = ds.dataset([str(f) for f in files], format="parquet", schema=schema)
    return dataset.to_table().to_pandas()
