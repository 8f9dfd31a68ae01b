"""`welfare-sim allocate`: recommend next year's allocation (LP) and export it for planners."""

from __future__ import annotations

import argparse

from sim.errors import SimError

HELP = "recommend next year's allocation (LP) and export it for planners"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file or name")
    p.add_argument("--year", type=int, default=None, help="year to allocate (default: the scenario's start year)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv (constraints go to FILE_constraints.csv)")
    p.add_argument("--budget", type=float, default=None, help="override the year's budget (THB) for what-if questions")
    p.add_argument("--lp", default=None, help="also write the model for auditors (MODEL.lp or MODEL.mps)")
    p.add_argument("--replicate", type=int, default=0, help="simulated replicate whose state is used (default 0)")
    p.add_argument("--mip", action="store_true", help="let a mixed-integer model choose which units to fund")
    p.add_argument("--robust", type=int, default=0, metavar="K", help="also a CVaR-robust allocation over K parameter sets")


def main(args) -> int:
    """`welfare-sim allocate SCENARIO --year Y --out FILE [--budget THB] [--lp MODEL]`."""
    from pathlib import Path

    from sim.allocation import write_allocation, write_lp
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.studies.recommend import explain, recommend, robust_recommendation

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise SimError("--out must end in .csv or .xlsx", path=str(out))
    if args.lp and Path(args.lp).suffix.lower() not in (".lp", ".mps"):
        raise SimError("--lp must end in .lp or .mps", path=str(args.lp))
    scenario = load_scenario(find_scenario(args.scenario))
    year = args.year if args.year is not None else scenario.start_year
    problem, result, header, ctx = recommend(scenario, year, replicate=args.replicate, budget_thb=args.budget,
                                             mip=True if args.mip else None)
    if not out.parent.exists():
        raise SimError("the folder for --out does not exist", path=str(out.parent))
    try:
        written = write_allocation(result, out, header=header)
        if args.lp:
            written.append(write_lp(problem, args.lp, mip=bool(ctx.params["policy.lp.mip"])))
    except OSError as err:
        raise SimError(f"cannot write: {err.strerror or err}", path=str(out)) from None
    print(explain(result, header))
    if args.robust:
        robust = robust_recommendation(scenario, ctx, problem, args.robust)
        print("\nRobust (CVaR of the gain over sampled parameter sets) beside the plain mean allocation:")
        print(robust.table.to_string())
        rob_path = out.with_name(out.stem + "_robust" + out.suffix)
        written += write_allocation(robust.robust, rob_path, header={**header, "allocation": "robust CVaR"})
    for path in written:
        print(f"wrote {path}")
    return 0
