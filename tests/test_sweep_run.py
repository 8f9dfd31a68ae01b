"""Running sweeps: results on disk, executors that agree, resume after any interruption."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import toy_model

from sim.errors import SimError
from sim.experiments import Levels, Range, RunFailed, Sweep, load_results

TESTS = Path(__file__).parent


def toy_sweep(replicates=3, outputs=("summary",), **base) -> Sweep:
    return Sweep(
        "toy",
        {"seed": 11, **base},
        [Levels("toy.a", (0, 1, 2)), Range("toy.b", 0.0, 1.0, levels=2)],
        replicates=replicates,
        outputs=outputs,
    )


def tables(results) -> tuple[pd.DataFrame, pd.DataFrame]:
    return results.runs.drop(columns=["wall_seconds"]), results.summary


def assert_same(a, b) -> None:
    for x, y in zip(tables(a), tables(b), strict=True):
        pd.testing.assert_frame_equal(x, y)


def calls(folder: Path) -> pd.Series:
    return pd.Series([name.split(".")[0] for name in os.listdir(folder)]).value_counts()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted, in-process run every other way of running must reproduce."""
    out = tmp_path_factory.mktemp("reference")
    return toy_sweep().run(out, workers=1, model=toy_model.run)


def test_results_stream_to_a_readable_layout(tmp_path, reference):
    out = reference.out
    assert {p.name for p in out.iterdir()} >= {"sweep.json", "runs", "summary"}
    assert len(list((out / "runs").glob("*.parquet"))) == 18
    assert sorted(p.name for p in (out / "summary").iterdir())[:2] == [
        "p00000-r000.parquet",
        "p00000-r001.parquet",
    ]
    runs = reference.runs
    assert list(runs.columns[:4]) == ["run_id", "point_id", "replicate", "seed"]
    assert {"toy.a", "toy.b", "sweep", "scenario", "version", "status", "wall_seconds"} <= set(
        runs.columns
    )
    assert (runs["status"] == "ok").all() and runs["run_id"].is_unique
    summary = reference.summary
    assert len(summary) == 18 * 5 and list(summary.columns[:3]) == [
        "run_id",
        "point_id",
        "replicate",
    ]
    # the folder is one dataset for any Parquet reader
    assert len(pd.read_parquet(out / "summary")) == 18 * 5
    tidy = reference.to_df()
    assert {"toy.a", "toy.b", "seed", "people_protected"} <= set(tidy.columns) and len(tidy) == 90
    assert "finished  18 of 18 runs" in repr(reference)


def test_process_pool_equals_in_process(tmp_path, reference):
    assert_same(toy_sweep().run(tmp_path / "out", workers=2, model="toy_model:run"), reference)


def test_a_thread_pool_executor_works(tmp_path, reference):
    with cf.ThreadPoolExecutor(max_workers=3) as executor:
        results = toy_sweep().run(tmp_path / "out", executor=executor, model=toy_model.run)
    assert_same(results, reference)


@pytest.mark.timeout(120)
def test_dask_local_cluster_equals_process_pool(tmp_path, reference):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        by_client = toy_sweep().run(tmp_path / "client", scheduler=client, model=toy_model.run)
        by_address = toy_sweep().run(
            tmp_path / "address", scheduler=cluster.scheduler_address, model="toy_model:run"
        )
    assert_same(by_client, reference)
    assert_same(by_address, reference)


def test_few_runs_in_flight_whatever_the_sweep_size(tmp_path):
    """The parent submits a window of runs at a time; it never holds the whole sweep."""
    outstanding, peak, lock = 0, 0, threading.Lock()

    class Counting(cf.ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            nonlocal outstanding, peak
            with lock:
                outstanding += 1
                peak = max(peak, outstanding)
            future = super().submit(fn, *args, **kwargs)
            future.add_done_callback(lambda _: _done())
            return future

    def _done():
        nonlocal outstanding
        with lock:
            outstanding -= 1

    with Counting(max_workers=2) as executor:
        results = toy_sweep(replicates=10).run(
            tmp_path / "out", executor=executor, model=toy_model.run
        )
    assert results.finished == 60 and peak <= 4


def test_failed_run_stops_the_sweep_and_the_rerun_resumes(tmp_path, reference):
    calls_dir, marker_dir = tmp_path / "calls", tmp_path / "markers"
    calls_dir.mkdir()
    marker_dir.mkdir()
    base = {
        "calls_dir": str(calls_dir),
        "fail_once_on": "p00002-r001",
        "marker_dir": str(marker_dir),
    }
    out = tmp_path / "out"
    with pytest.raises(
        RunFailed,
        match=r"run p00002-r001 failed: RuntimeError: toy model fails once"
        r".*run the same command again to resume \(\d+ of 18 runs finished\)",
    ):
        toy_sweep(**base).run(out, workers=2, model="toy_model:run")
    assert (out / "failed" / "p00002-r001.txt").read_text().count("toy model fails once") >= 1
    first = load_results(out).finished
    assert 7 <= first < 18
    results = toy_sweep(**base).run(out, workers=2, model="toy_model:run")
    assert results.ran == 18 - first
    per_run = calls(calls_dir)
    assert per_run.pop("p00002-r001") == 2  # failed once, redone once
    assert (per_run == 1).all() and len(per_run) == 17  # finished runs were not recomputed
    pd.testing.assert_frame_equal(results.summary, reference.summary)
    pd.testing.assert_frame_equal(
        results.runs.drop(columns=["wall_seconds"]), reference.runs.drop(columns=["wall_seconds"])
    )


def test_deleted_runs_and_stale_files_are_redone(tmp_path, reference):
    calls_dir = tmp_path / "calls"
    calls_dir.mkdir()
    out = tmp_path / "out"
    sweep = toy_sweep(calls_dir=str(calls_dir))
    sweep.run(out, workers=1, model=toy_model.run)
    for run_id in ("p00000-r002", "p00003-r000", "p00005-r002"):
        (out / "runs" / f"{run_id}.parquet").unlink()
    (out / "summary" / ".p00001-r000.parquet.dead.tmp").write_bytes(b"half a file")
    (out / "runs" / ".p00001-r001.parquet.dead.tmp").write_bytes(b"")
    results = sweep.run(out, workers=1, model=toy_model.run)
    assert results.ran == 3
    assert sorted(calls(calls_dir)[lambda c: c == 2].index) == [
        "p00000-r002",
        "p00003-r000",
        "p00005-r002",
    ]
    assert not list(out.glob("*/.*.tmp"))
    pd.testing.assert_frame_equal(results.summary, reference.summary)


def test_limit_runs_the_first_points_then_the_rest(tmp_path, reference):
    out = tmp_path / "out"
    first = toy_sweep().run(out, workers=1, limit=2, model=toy_model.run)
    assert first.finished == 6 and sorted(first.runs["point_id"].unique()) == [0, 1]
    assert "finished  6 of 18 runs" in repr(first)
    rest = toy_sweep().run(out, workers=1, model=toy_model.run)
    assert rest.ran == 12
    assert_same(rest, reference)


def test_a_different_sweep_in_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    toy_sweep(replicates=2).run(out, workers=1, model=toy_model.run)
    with pytest.raises(
        SimError,
        match=r"sweep\.json: this folder holds a different sweep "
        r"\(definition\.replicates differs\)",
    ):
        toy_sweep(replicates=3).run(out, workers=1, model=toy_model.run)
    with pytest.raises(SimError, match=r"\(model differs\)"):
        toy_sweep(replicates=2).run(out, workers=1, model=toy_model.linear)


def test_runs_made_by_another_model_are_never_resumed(tmp_path, monkeypatch, capsys):
    """A finished sweep, then the model changes (its version, a default, or a data file such as
    the 2023 start): resuming would mix two models, so the folder is refused in one line; a
    study's own working folder (`restart_stale`) is emptied and run again, with a note."""
    import json

    import sim.report.manifest as manifest

    out = tmp_path / "out"
    toy_sweep(replicates=1).run(out, workers=1, model=toy_model.run)
    first = json.loads((out / "sweep.json").read_text())["made_with"]
    assert first["model_version"] == manifest.MODEL_VERSION and "start_2023.npz" in first["data_sha256"]
    toy_sweep(replicates=1).run(out, workers=1, model=toy_model.run)  # same model: resumes, nothing to do
    monkeypatch.setattr(manifest, "MODEL_VERSION", manifest.MODEL_VERSION + 1)
    with pytest.raises(SimError, match=r"sweep\.json: this folder holds runs made by another model "
                                       r"\(model version \d+, now \d+\)"):
        toy_sweep(replicates=1).run(out, workers=1, model=toy_model.run)
    monkeypatch.undo()
    monkeypatch.setattr(manifest, "data_files_hash", lambda: {**first["data_sha256"], "start_2023.npz": "0" * 64})
    with pytest.raises(SimError, match=r"another model \(other model data \(start_2023\.npz\)\)"):
        toy_sweep(replicates=1).run(out, workers=1, model=toy_model.run)
    stamp = (out / "runs").stat().st_mtime_ns
    again = toy_sweep(replicates=1).run(out, workers=1, model=toy_model.run, restart_stale=True)
    assert again.finished == again.total_runs == 6
    assert "its runs were made by another model (other model data (start_2023.npz)); running them again" in (
        capsys.readouterr().err)
    assert json.loads((out / "sweep.json").read_text())["made_with"]["data_sha256"]["start_2023.npz"] == "0" * 64
    assert (out / "runs").stat().st_mtime_ns >= stamp


def test_a_folder_with_other_files_is_not_used(tmp_path):
    (tmp_path / "out" / "summary").mkdir(parents=True)
    (tmp_path / "out" / "summary" / "mine.parquet").write_bytes(b"precious")
    with pytest.raises(SimError, match=r"out: the folder is not empty and holds no sweep"):
        toy_sweep().run(tmp_path / "out", workers=1, model=toy_model.run)
    assert (tmp_path / "out" / "summary" / "mine.parquet").read_bytes() == b"precious"


def test_tables_whose_columns_differ_between_runs_read_back_whole(tmp_path):
    summary = (
        toy_sweep(replicates=1).run(tmp_path / "out", workers=1, model=toy_model.ragged).summary
    )
    assert summary["x"].tolist() == [0.0, 1.5, 2.0, 3.0, 4.0, 5.0]
    assert summary["only_some"].isna().sum() == 5 and (summary["only_some"] == "yes").sum() == 1


def test_only_requested_tables_are_written(tmp_path):
    with_funds = toy_sweep(replicates=1, outputs=("summary", "fund_years")).run(
        tmp_path / "a", workers=1, model=toy_model.run
    )
    assert len(with_funds.table("fund_years")) == 6 * 4 * 5
    plain = toy_sweep(replicates=1).run(tmp_path / "b", workers=1, model=toy_model.run)
    assert not (tmp_path / "b" / "fund_years").exists()
    with pytest.raises(SimError, match="did not write 'fund_years'"):
        plain.table("fund_years")


def test_model_mistakes_are_reported(tmp_path):
    with pytest.raises(RunFailed, match="must return a dict of DataFrames"):
        toy_sweep().run(tmp_path / "a", workers=1, model=toy_model.not_tables)
    with pytest.raises(SimError, match="cannot be sent to worker processes"):
        toy_sweep().run(tmp_path / "b", workers=2, model=lambda spec: {})
    with pytest.raises(SimError, match="model: cannot import model module 'no_such_module'"):
        toy_sweep().run(tmp_path / "c", workers=1, model="no_such_module:run")
    with pytest.raises(SimError, match="model: module 'toy_model' has no 'nothing'"):
        toy_sweep().run(tmp_path / "d", workers=1, model="toy_model:nothing")


def test_progress_bar_when_forced(tmp_path, capsys):
    toy_sweep().run(tmp_path / "out", workers=1, model=toy_model.run, progress=True)
    assert "18/18" in capsys.readouterr().err


# --- interruptions in a separate process ---------------------------------------------------

SWEEP_FILE = """
name = "toy_cli"
base = "base.toml"
replicates = 4
[[parameters]]
path = "toy.a"
levels = [0, 1, 2, 3, 4]
"""

RUN_CLI = textwrap.dedent("""
    import argparse, sys
    from sim.cli.sweep import main as cli_sweep
    args = argparse.Namespace(file=sys.argv[1], out=sys.argv[2], workers=int(sys.argv[3]),
                              scheduler=None, limit=None, model=sys.argv[4])
    sys.exit(cli_sweep(args))
""")


@pytest.fixture
def cli_project(tmp_path):
    (tmp_path / "base.toml").write_text('name = "toy_base"\nseed = 5\n')
    (tmp_path / "sweep.toml").write_text(SWEEP_FILE)
    return tmp_path


def start_cli(
    project: Path, out: Path, workers: int, model: str, seconds: str = "0.3", gate: Path | None = None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "TOY_SLOW_SECONDS": seconds,
    }
    env.pop("TOY_GATE", None)
    if gate is not None:
        env["TOY_GATE"] = str(gate)
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, str(project / "sweep.toml"), str(out), str(workers), model],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_runs(out: Path, n: int, proc: subprocess.Popen, timeout: float = 100.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / "runs").is_dir() and len(list((out / "runs").glob("*.parquet"))) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("the sweep did not make progress")


@pytest.fixture
def cli_reference(cli_project, tmp_path):
    return Sweep.from_file(cli_project / "sweep.toml").run(
        tmp_path / "ref", workers=1, model=toy_model.run
    )


@pytest.mark.timeout(120)
def test_ctrl_c_keeps_finished_runs_exits_130_and_resumes(cli_project, cli_reference, tmp_path):
    """Ctrl-C once the first point's four runs are written and the others wait at a gate
    (`toy_model.gated`): the state is the same however loaded the machine is."""
    out = tmp_path / "out"
    proc = start_cli(cli_project, out, 2, "toy_model:gated", gate=tmp_path / "gate")
    wait_for_runs(out, 4, proc)
    os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole process group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    finished = len(list((out / "runs").glob("*.parquet")))
    assert finished == 4
    assert "interrupted: 4 of 20 runs finished; run the same command again to resume" in err
    assert "Traceback" not in err
    proc = start_cli(cli_project, out, 2, "toy_model:gated")  # no gate: every run goes through
    stdout, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"20 of 20 runs finished ({20 - finished} run now" in stdout
    assert_same(load_results(out), cli_reference)


POOL_SCRIPT = textwrap.dedent("""
    import multiprocessing, sys
    import toy_model
    from sim.experiments.worker import QuietProcessPool
    pool = QuietProcessPool(1, mp_context=multiprocessing.get_context("spawn"),
                            initializer=toy_model.slow_starting_worker)
    try:
        pool.submit(sum, [1, 2]).result()
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        print("interrupted", file=sys.stderr)
        sys.exit(130)
""")


@pytest.mark.timeout(120)
def test_ctrl_c_while_a_worker_starts_prints_no_worker_traceback(tmp_path):
    """Workers start on demand inside ``submit``; a Ctrl-C that reaches one before it has
    run `init_worker` (held there by `toy_model.slow_starting_worker`) waits, blocked, and is
    then ignored: only the parent reacts. A plain ProcessPoolExecutor prints the worker's
    KeyboardInterrupt traceback here (the CI failure of stop 21)."""
    started, gate = tmp_path / "started", tmp_path / "gate"
    env = {
        **os.environ,
        "PYTHONPATH": f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "TOY_STARTED": str(started),
        "TOY_GATE": str(gate),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", POOL_SCRIPT], env=env, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 100
    while not started.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)  # the parent and the starting worker, like Ctrl-C
    time.sleep(0.2)  # let the signal land (it is pending either way) before the gate opens
    gate.write_text("open")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err


@pytest.mark.timeout(120)
def test_sigkill_midway_then_resume_equals_uninterrupted(cli_project, cli_reference, tmp_path):
    out = tmp_path / "out"
    proc = start_cli(cli_project, out, 2, "toy_model:slow")
    wait_for_runs(out, 4, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    finished = len(list((out / "runs").glob("*.parquet")))
    assert finished < 20
    sweep = Sweep.from_file(cli_project / "sweep.toml")
    results = sweep.run(out, workers=2, model="toy_model:slow")
    assert results.ran == 20 - finished
    assert_same(results, cli_reference)


@pytest.mark.timeout(120)
def test_a_second_sweep_on_the_same_folder_is_refused(cli_project, tmp_path):
    out = tmp_path / "out"
    proc = start_cli(cli_project, out, 1, "toy_model:slow", seconds="0.2")
    wait_for_runs(out, 1, proc)
    with pytest.raises(SimError, match=r"out: another sweep is writing to this folder"):
        Sweep.from_file(cli_project / "sweep.toml").run(out, workers=1, model="toy_model:slow")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    again = Sweep.from_file(cli_project / "sweep.toml").run(out, workers=1, model="toy_model:slow")
    assert again.ran == 0 and again.finished == 20


def test_pool_workers_use_one_blas_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    results = toy_sweep(replicates=2).run(tmp_path / "out", workers=2, model="toy_model:threads")
    assert (results.summary["blas_threads"] == 1).all()
    assert (results.summary["omp_env"] == "1").all()
    assert os.environ["OMP_NUM_THREADS"] == "7"  # the parent's setting is restored


def test_a_model_may_repeat_its_replicate_column_if_it_agrees(tmp_path):
    results = toy_sweep(replicates=2).run(
        tmp_path / "ok", workers=1, model=toy_model.with_replicate
    )
    assert list(results.summary.columns[:4]) == ["run_id", "point_id", "replicate", "year"]
    with pytest.raises(RunFailed, match="'replicate' that disagrees with the run"):
        toy_sweep(replicates=2).run(tmp_path / "bad", workers=1, model=toy_model.wrong_replicate)
