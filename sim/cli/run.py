"""`welfare-sim run`: run a scenario and write its tables (Parquet) and manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = 'run a scenario and write its tables (Parquet) and manifest'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file, or the name of a shipped scenario (e.g. zone_all_2023)")
    p.add_argument("--out", default=None, help="output folder (default results/SCENARIO_NAME)")
    p.add_argument("--replicates", type=int, default=None, help="number of replicates (default: the scenario's)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: the scenario's)")
    p.add_argument("--years", type=int, default=None, help="override the horizon in years")
    p.add_argument("--members-by-band", action="store_true", help="add members by age band to fund_years")
    p.add_argument("--no-funds", action="store_true", help="skip the per-fund table (smaller output)")


def main(args) -> int:
    """`welfare-sim run SCENARIO [--out DIR] [--replicates N] [--seed S]`."""
    import sys

    from sim.inputs.scenario import check_run_argument, find_scenario, load_scenario
    from sim.model.engine import run_scenario
    from sim.report.outputs import check_inputs, format_headline, prepare_out_dir, write_result

    scenario = load_scenario(find_scenario(args.scenario))
    if args.years is not None:
        scenario = scenario.with_overrides({}, years=check_run_argument("years", args.years, "--years"))
    if args.seed is not None:
        scenario = scenario.with_overrides({}, seed=check_run_argument("seed", args.seed, "--seed"))
    replicates = scenario.replicates
    if args.replicates is not None:
        replicates = check_run_argument("replicates", args.replicates, "--replicates")
    out = Path(args.out) if args.out else Path("results") / scenario.name
    check_inputs(scenario)  # notes on what the inputs leave to the model come with the result
    prepare_out_dir(out)
    years = (str(scenario.start_year) if scenario.years == 1
             else f"{scenario.start_year}-{scenario.start_year + scenario.years - 1}")
    print(f"running {scenario.name}: {scenario.title or ''} ({replicates} "
          f"replicate{'s' if replicates != 1 else ''}, {years})", file=sys.stderr)
    outputs = ("summary", "unit_years") if args.no_funds else ("summary", "fund_years", "unit_years")
    result = run_scenario(scenario, replicates, outputs=outputs, progress=None,  # bar or log lines
                          members_by_band=args.members_by_band)
    for note in result.notes:  # one line each: what was synthesised, fitted or scaled
        print(f"note: {note}", file=sys.stderr)
    written = write_result(result, out)
    print(format_headline(result))
    print(f"wrote {', '.join(p.name for p in written.values())} to {out}")
    return 0
