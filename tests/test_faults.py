"""Faults survived, with the real engine: killed sweeps, killed Dask workers, full or read-only
disks, and two sweeps racing for one folder.

The sweep is tiny (Mukdahan, two years, three points × two replicates, all three tables) so
each fault costs seconds. `slow_engine` is the real engine (`sim.model.engine:run_spec`) after a
pause, so that a fault can be caught while runs are in flight; it is imported by name in
worker processes (tests/ is on their path).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import Sweep, load_results, store

TESTS = Path(__file__).resolve().parent
OUTPUTS = ("summary", "fund_years", "unit_years")
KEYS = {
    "runs": ["run_id"],
    "summary": ["run_id", "year"],
    "fund_years": ["run_id", "year", "subdistrict_code"],
    "unit_years": ["run_id", "year", "unit_id"],
}
BASE = 'name = "faults"\n[run]\nregion = ["49"]\nyears = 2\nreplicates = 1\nseed = 11\n'
SWEEP = """
name = "faults"
base = "base.toml"
replicates = 2
outputs = ["summary", "fund_years", "unit_years"]
[[parameters]]
path = "policy.zone_share"
levels = [0.0, 0.5, 1.0]
"""
N_RUNS = 6


def slow_engine(spec):
    """The real engine after FAULT_SLEEP seconds; each call leaves calls/<run_id>.<pid>.<id>.

    With FAULT_GATE (a file name), the runs of every point after the first wait until that
    file exists, so a test can act while the sweep is certainly still running."""
    calls = os.environ.get("FAULT_CALLS_DIR")
    if calls:
        Path(calls, f"{spec.run_id}.{os.getpid()}.{uuid.uuid4().hex[:8]}").touch()
    gate = os.environ.get("FAULT_GATE")
    if gate and spec.point_id > 0:
        while not os.path.exists(gate):
            time.sleep(0.02)
    time.sleep(float(os.environ.get("FAULT_SLEEP", "0")))
    from sim.model.engine import run_spec

    return run_spec(spec)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    (folder / "sweep.toml").write_text(SWEEP, encoding="utf-8")
    return folder


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table of a sweep folder, sorted, without wall times: equal means bit for bit."""
    results = load_results(out)
    frames = {"runs": results.runs, **{name: results.table(name) for name in OUTPUTS}}
    return {
        name: frame.drop(columns=[c for c in frame.columns if "seconds" in c or "time" in c])
        .sort_values(KEYS[name])
        .reset_index(drop=True)
        for name, frame in frames.items()
    }


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], run_ids=None) -> None:
    assert a.keys() == b.keys()
    for name in a:
        x, y = a[name], b[name]
        if run_ids is not None:
            x = x[x["run_id"].isin(run_ids)].reset_index(drop=True)
            y = y[y["run_id"].isin(run_ids)].reset_index(drop=True)
        assert len(x) > 0, name
        pd.testing.assert_frame_equal(x, y, check_exact=True, obj=name)


def finished(out: Path) -> list[str]:
    return store.finished_run_ids(out)


def leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(store.TMP_SUFFIX)]


@pytest.fixture(scope="module")
def reference(project, tmp_path_factory) -> dict[str, pd.DataFrame]:
    """The uninterrupted sweep, in this process, with the engine as the CLI runs it."""
    out = tmp_path_factory.mktemp("reference") / "out"
    results = Sweep.from_file(project / "sweep.toml").run(out, workers=1, progress=False)
    assert results.finished == N_RUNS
    return tables(out)


# --- a sweep killed with SIGKILL, then resumed ---------------------------------------------

RUN_CLI = textwrap.dedent("""
    import argparse, sys
    from sim.cli.sweep import main as cli_sweep
    args = argparse.Namespace(file=sys.argv[1], out=sys.argv[2], workers=int(sys.argv[3]),
                              scheduler=None, limit=None, model="test_faults:slow_engine")
    sys.exit(cli_sweep(args))
""")


def start_sweep(project: Path, out: Path, workers: int, sleep: float, gate: Path | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "FAULT_SLEEP": str(sleep),
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("FAULT_GATE", None)
    if gate is not None:
        env["FAULT_GATE"] = str(gate)
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, str(project / "sweep.toml"), str(out), str(workers)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes its pool workers too
    )


def wait_for_runs(out: Path, n: int, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(finished(out)) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the sweep made no progress")


@pytest.mark.timeout(240)
def test_sigkill_midway_then_resume_equals_uninterrupted(project, reference, tmp_path, monkeypatch):
    out = tmp_path / "out"
    proc = start_sweep(project, out, workers=2, sleep=1.5)
    wait_for_runs(out, 2, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and its pool workers, mid-write or not
    proc.communicate(timeout=30)
    done = finished(out)
    assert 2 <= len(done) < N_RUNS, done
    assert_same(tables(out), reference, run_ids=done)  # what survived is already final

    monkeypatch.setenv("FAULT_SLEEP", "0")
    results = Sweep.from_file(project / "sweep.toml").run(
        out, workers=1, model="test_faults:slow_engine", progress=False
    )
    assert results.ran == N_RUNS - len(done)  # finished runs were not redone
    assert_same(tables(out), reference)
    assert not leftovers(out)


# --- a Dask worker killed while runs are in flight -----------------------------------------


@pytest.mark.timeout(300)
def test_a_killed_dask_worker_is_replaced_and_its_run_redone(project, reference, tmp_path, monkeypatch):
    from distributed import Client, LocalCluster

    calls = tmp_path / "calls"
    calls.mkdir()
    monkeypatch.setenv("FAULT_CALLS_DIR", str(calls))  # worker processes inherit these
    monkeypatch.setenv("FAULT_SLEEP", "2.0")
    out = tmp_path / "out"
    killed: list[tuple[str, int]] = []

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        worker_pids = set(client.run(os.getpid).values())

        def kill_one_running_worker() -> None:
            """SIGKILL the worker of the first run seen started and not yet finished."""
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                for call in sorted(calls.iterdir()):
                    run_id, pid = call.name.split(".")[0], int(call.name.split(".")[1])
                    if pid in worker_pids and not store.is_finished(out, run_id):
                        os.kill(pid, signal.SIGKILL)
                        killed.append((run_id, pid))
                        return
                time.sleep(0.05)

        killer = threading.Thread(target=kill_one_running_worker, daemon=True)
        killer.start()
        results = Sweep.from_file(project / "sweep.toml").run(
            out, scheduler=client, model="test_faults:slow_engine", progress=False
        )
        killer.join(timeout=5)
        client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed one
        survivors = set(client.run(os.getpid).values())

    assert killed, "no worker was killed while a run was in flight"
    run_id, pid = killed[0]
    assert pid not in survivors and len(survivors) == 2  # the nanny started a new worker
    tries = [c for c in os.listdir(calls) if c.startswith(run_id + ".")]
    assert len(tries) >= 2, tries  # the killed run was started again elsewhere
    assert results.finished == N_RUNS
    assert_same(tables(out), reference)
    assert not leftovers(out)


# --- full or read-only disks ---------------------------------------------------------------


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("code", "words"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")],
)
def test_a_full_or_read_only_disk_midway_is_one_line_and_keeps_finished_runs(
    project, reference, tmp_path, monkeypatch, capsys, code, words
):
    """The disk fills up (or is remounted read-only) after two runs: the CLI says so in one
    line, the two runs stay whole, and the same command finishes the sweep later."""
    out = tmp_path / "out"
    real_parquet, real_text = store.write_parquet_atomic, store.write_text_atomic
    disk = {"parquet_files_left": 2 * (len(OUTPUTS) + 1)}  # two whole runs, then full

    def parquet(frame, path):
        if disk["parquet_files_left"] <= 0:
            raise OSError(code, words, str(path))
        disk["parquet_files_left"] -= 1
        real_parquet(frame, path)

    def text(value, path):
        if disk["parquet_files_left"] <= 0:
            raise OSError(code, words, str(path))
        real_text(value, path)

    monkeypatch.setattr(store, "write_parquet_atomic", parquet)
    monkeypatch.setattr(store, "write_text_atomic", text)
    argv = ["sweep", str(project / "sweep.toml"), "--out", str(out), "--workers", "1"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"error: run p00001-r000 failed: OSError: [Errno {code}] {words}")
    assert "finished runs are kept" in lines[0] and "run the same command again" in lines[0]
    assert "traceback in" not in lines[0]  # it could not be written: do not point at it
    assert finished(out) == ["p00000-r000", "p00000-r001"]
    assert_same(tables(out), reference, run_ids=finished(out))
    assert not leftovers(out)

    disk["parquet_files_left"] = 10**6  # space freed (or remounted read-write)
    assert main(argv) == 0
    assert_same(tables(out), reference)


def read_only(folder: Path, monkeypatch) -> None:
    """Make `folder` refuse writes as a chmod 0o500 folder does for a normal user.

    Root ignores permission bits, so under root (as in CI containers) the refusal is made
    where Python asks the kernel: creating, opening for writing, replacing, renaming or
    removing anything inside `folder` raises PermissionError(EACCES) with the kernel's words.
    """
    import builtins
    import io

    folder = folder.resolve()

    def inside(path) -> bool:
        if isinstance(path, int):
            return False
        target = Path(os.fsdecode(path)).resolve()
        return target == folder or folder in target.parents

    def deny(path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    real_open, real_os_open = builtins.open, os.open

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and inside(file):
            deny(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and inside(path):
            deny(path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    def refusing(real):
        def refuse(path, *args, **kwargs):
            if inside(path):
                deny(path)
            return real(path, *args, **kwargs)
        return refuse

    def refusing_moves(real):
        def refuse(src, dst, *args, **kwargs):
            if inside(src) or inside(dst):
                deny(dst)
            return real(src, dst, *args, **kwargs)
        return refuse

    for name in ("mkdir", "unlink", "remove", "rmdir"):
        monkeypatch.setattr(os, name, refusing(getattr(os, name)))
    for name in ("replace", "rename"):
        monkeypatch.setattr(os, name, refusing_moves(getattr(os, name)))


def test_a_read_only_folder_for_real(project, tmp_path, capsys, monkeypatch):
    """A folder the user may not write to: `sweep` and `run` say so in one line and write
    nothing. Permission bits where they are enforced; as root, the same refusal simulated
    (`read_only`)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("already here")
    if os.geteuid() == 0:
        read_only(out, monkeypatch)
    else:
        out.chmod(0o500)
    try:
        assert main(["sweep", str(project / "sweep.toml"), "--out", str(out), "--workers", "1"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"error: {out}: cannot write the sweep folder"), err
        assert "Permission denied" in err
        assert main(["run", str(project / "base.toml"), "--out", str(out / "run")]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Permission denied" in err and "Traceback" not in err, err
        assert main(["run", str(project / "base.toml"), "--out", str(out)]) == 1
        assert "Permission denied" in capsys.readouterr().err
    finally:
        monkeypatch.undo()
        out.chmod(0o700)
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]  # nothing written, nothing removed


@pytest.mark.timeout(120)
def test_run_on_a_full_disk_keeps_the_previous_results(project, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", str(project / "base.toml"), "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == {"summary.parquet", "fund_years.parquet", "unit_years.parquet", "manifest.json"}
    capsys.readouterr()

    real = pd.DataFrame.to_parquet
    written = []

    def fills_up(frame, path, *args, **kwargs):
        if written:  # the first table fits, the second does not
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fills_up)
    assert main(["run", str(project / "base.toml"), "--out", str(out), "--seed", "12"]) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1] == f"error: {out}: cannot write results: No space left on device", err
    assert all(not line.startswith("error") for line in lines[:-1])  # only "running …" before it
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old results, all of them


# --- two sweeps, one folder ----------------------------------------------------------------


@pytest.mark.timeout(240)
def test_a_second_sweep_process_on_the_same_folder_is_refused(project, reference, tmp_path):
    """The first sweep holds at a gate after its first point (`slow_engine`) until the second
    has been refused: a state, not a race against the clock."""
    out = tmp_path / "out"
    gate = tmp_path / "gate"
    first = start_sweep(project, out, workers=1, sleep=0.0, gate=gate)
    wait_for_runs(out, 2, first)
    second = subprocess.run(  # the plain CLI, as a second person would type it
        [sys.executable, "-m", "sim", "sweep", str(project / "sweep.toml"), "--out", str(out),
         "--workers", "1"],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert first.poll() is None, "the first sweep ended before the second was refused"
    assert second.returncode == 1, second.stderr
    assert second.stderr == (
        f"error: {out}: another sweep is writing to this folder (lock held); wait for it to "
        "finish or choose another output folder\n"
    )
    gate.touch()  # let the first sweep finish
    stdout, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert f"{N_RUNS} of {N_RUNS} runs finished" in stdout
    assert_same(tables(out), reference)  # nothing the second process did shows
    assert not leftovers(out)
