"""Writing a run's tables: Parquet files and a JSON manifest, each written atomically.

A file is first written under a temporary name in the same folder, flushed to disk and then
renamed over the final name, so a reader (or a resumed sweep) never sees half a file.
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def prepare_out_dir(out: str | Path) -> Path:
    """Create the output folder, or say clearly why it cannot be written."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(out)) from None
    return out


def write_result(result, out: str | Path) -> dict[str, Path]:
    """Write summary, fund_years, unit_years (those present) and manifest.json to `out`."""
    out = prepare_out_dir(out)
    written = {}
    try:
        for name, frame in result.tables().items():
            path = out / f"{name}.parquet"
            atomic_write_parquet(frame, path)
            written[name] = path
        manifest = out / "manifest.json"
        atomic_write_bytes(manifest, json.dumps(result.manifest, indent=2, default=str, ensure_ascii=False).encode())
        written["manifest"] = manifest
    except OSError as err:
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(out)) from None
    return written


def format_headline(result) -> str:
    """The start and horizon of the headline metrics, mean over replicates, as a text table."""
    table = result.headline().T
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


def cli_run(args) -> int:
    """`welfare-sim run SCENARIO [--out DIR] [--replicates N] [--seed S]`."""
    import sys

    from sim.engine import run_scenario
    from sim.scenario import find_scenario, load_scenario

    scenario = load_scenario(find_scenario(args.scenario))
    if args.years is not None:
        scenario = scenario.with_overrides({}, years=args.years)
    if args.seed is not None:
        scenario = scenario.with_overrides({}, seed=args.seed)
    replicates = args.replicates if args.replicates is not None else scenario.replicates
    if replicates < 1:
        raise SimError(f"--replicates must be at least 1, got {replicates}")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    prepare_out_dir(out)
    print(f"running {scenario.name}: {scenario.title or ''} ({replicates} replicates, "
          f"{scenario.start_year}-{scenario.start_year + scenario.years - 1})", file=sys.stderr)
    outputs = ("summary", "unit_years") if args.no_funds else ("summary", "fund_years", "unit_years")
    result = run_scenario(scenario, replicates, outputs=outputs, progress=sys.stderr.isatty(),
                          members_by_band=args.members_by_band)
    written = write_result(result, out)
    print(format_headline(result))
    print(f"wrote {', '.join(p.name for p in written.values())} to {out}")
    return 0
