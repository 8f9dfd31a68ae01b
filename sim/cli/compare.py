"""`welfare-sim compare`: compare scenarios on common random numbers (paired differences, 95% CI)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.errors import SimError

HELP = 'compare scenarios on common random numbers (paired differences, 95%% CI)'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", help="scenario files or names; the first is the baseline")
    p.add_argument("--replicates", type=int, default=10, help="replicates per scenario (default 10)")
    p.add_argument("--out", default=None, help="output folder (default results/compare_A_vs_B...)")
    p.add_argument("--seed", type=int, default=None, help="common base seed (default: the first scenario's)")
    p.add_argument("--years", type=int, default=None, help="override the horizon in years")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of figures")


def main(args) -> int:
    """`welfare-sim compare A B [C ...] --replicates N [--out DIR]`."""
    import sys

    from sim.experiments.compare import compare
    from sim.inputs.scenario import check_run_argument, find_scenario, load_scenario
    from sim.report.outputs import atomic_write_bytes, prepare_out_dir, write_csv_safe
    from sim.world.scenario_inputs import input_notes

    if len(args.scenarios) < 2:
        raise SimError("compare needs at least two scenarios")
    scenarios = [load_scenario(find_scenario(name)) for name in args.scenarios]
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SimError(
            f"two scenarios are both named {twice[0]!r}: give each a different name = \"…\"",
            where="compare",
        )
    if args.years is not None:
        years = check_run_argument("years", args.years, "--years")
        scenarios = [s.with_overrides({}, years=years) for s in scenarios]
    if args.seed is not None:
        check_run_argument("seed", args.seed, "--seed")
    regions = {str(s.region) for s in scenarios}
    if len(regions) > 1:
        covers = ", ".join(
            f"{s.name} covers {s.region if isinstance(s.region, str) else 'provinces ' + ','.join(s.region)}"
            for s in scenarios
        )
        raise SimError(f"scenarios cover different regions ({covers}); compare like with like",
                       where="compare")
    if args.replicates < 2:
        raise SimError(f"--replicates must be at least 2 for confidence intervals, got {args.replicates}")
    check_run_argument("replicates", args.replicates, "--replicates")
    # read every input now (a bad file is one line before anything runs); say the notes at the end
    notes = [f"{scenario.name}: {note}" for scenario in scenarios for note in input_notes(scenario)]
    out = prepare_out_dir(args.out or Path("results") / ("compare_" + "_vs_".join(s.name for s in scenarios)))
    print(f"comparing {', '.join(s.name for s in scenarios)} on common random numbers "
          f"({args.replicates} replicates each, plus a zero-budget twin)", file=sys.stderr)
    result = compare(scenarios, args.replicates, seed=args.seed, workers=args.workers,
                     progress=None)  # a bar in a terminal, a line a minute in a log
    write_csv_safe(result.summary, out / "summaries.csv")  # scenario names are user text
    write_csv_safe(result.differences, out / "paired_differences.csv")
    write_csv_safe(result.horizon, out / "horizon_differences.csv")
    write_csv_safe(result.shape, out / "time_shape.csv")
    if not result.cost.empty:
        write_csv_safe(result.cost, out / "cost_effectiveness.csv")
    for note in notes:  # one line each, as `run` prints them after its run
        print(f"note: {note}", file=sys.stderr)
    text = result.answer()
    try:
        atomic_write_bytes(out / "answer.txt", (text + "\n").encode())
    except OSError as err:
        raise SimError(f"cannot write results: {err.strerror or err}", path=str(out)) from None
    try:
        from sim.report.plots import plot_comparison

        # the same folder as `welfare-sim plot OUT` draws into
        for path in plot_comparison(result, out / "figures", lang=getattr(args, "lang", "en")):
            print(f"figure: {path}", file=sys.stderr)
    except ImportError:
        pass
    print(text)
    print(f"wrote summaries.csv, paired_differences.csv, horizon_differences.csv, time_shape.csv, answer.txt to {out}")
    return 0
