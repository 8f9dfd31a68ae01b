"""`welfare-sim allocate`: recommend next year's allocation (LP) and export it for planners."""

from __future__ import annotations

import argparse

from sim.errors import SimError

HELP = "recommend next year's allocation (LP) and export it for planners"

BE_OFFSET = 543  # Buddhist Era year = C.E. year + 543 (พ.ศ. 2567 = 2024)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file or name")
    p.add_argument("--year", type=int, default=None,
                   help="year to allocate, C.E. (default: the scenario's start year); B.E. 2567 is --year 2024")
    p.add_argument("--out", required=True,
                   help="FILE.xlsx (summary, allocation and constraints sheets) or FILE.csv (with "
                        "FILE_constraints.csv and FILE_meta.json); missing folders are created")
    p.add_argument("--lang", choices=("en", "th"), default="en",
                   help="language of the workbook and the printed summary (th: Thai, Buddhist Era years)")
    p.add_argument("--budget", type=float, default=None, help="override the year's budget (THB) for what-if questions")
    p.add_argument("--lp", default=None, help="also write the model for auditors (MODEL.lp or MODEL.mps)")
    p.add_argument("--replicate", type=int, default=0, help="simulated replicate whose state is used (default 0)")
    p.add_argument("--mip", action="store_true", help="let a mixed-integer model choose which units to fund")
    p.add_argument("--robust", type=int, default=0, metavar="K", help="also a CVaR-robust allocation over K parameter sets")


def check_year(year: int | None, start_year: int) -> None:
    """A Buddhist Era year (e.g. 2567) is an error with a one-line hint, never a silent run."""
    if year is None:
        return
    if year - BE_OFFSET >= start_year - 100 and year > start_year + 200:
        raise SimError(f"--year {year} looks like a Buddhist Era year (พ.ศ. {year}); it means "
                       f"{year - BE_OFFSET}: use --year {year - BE_OFFSET}")


def _thb(value: float) -> str:
    return f"{value:,.0f}"


def robust_tables(robust, plain) -> tuple[str, str]:
    """The robust comparison as two rounded tables: values (people protected) and money by level (THB)."""
    import pandas as pd

    values = robust.table.copy()
    values.index = [str(i) for i in values.index]
    tail = f"CVaR {robust.alpha:.0%}"
    values.columns = [str(c).replace(f"cvar_{robust.alpha:g}", tail).replace("_", " ") for c in values.columns]
    value_text = values.to_string(float_format=lambda v: f"{v:,.0f}")
    money = pd.DataFrame({
        "recommended (THB)": plain.by_level(),
        "mean allocation (THB)": robust.mean.by_level(),
        f"{robust.method} allocation (THB)": robust.robust.by_level(),
    })
    money = money[(money != 0).any(axis=1)]
    money.loc["total"] = money.sum()
    money_text = money.round(0).to_string(float_format=_thb)
    return value_text, money_text


def main(args) -> int:
    """`welfare-sim allocate SCENARIO --year Y --out FILE [--lang th] [--budget THB] [--lp MODEL]`."""
    from pathlib import Path

    from sim.allocation import write_lp
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.report.outputs import prepare_out_dir
    from sim.studies.recommend import (
        plan_summary,
        recommend,
        robust_recommendation,
        rule_allocation,
        rule_text,
        write_plan,
    )

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise SimError("--out must end in .csv or .xlsx", path=str(out))
    if args.lp and Path(args.lp).suffix.lower() not in (".lp", ".mps"):
        raise SimError("--lp must end in .lp or .mps", path=str(args.lp))
    if out.exists() and out.is_dir():
        raise SimError("--out is a folder; give a file name ending in .csv or .xlsx", path=str(out))
    scenario = load_scenario(find_scenario(args.scenario))
    check_year(args.year, scenario.start_year)
    year = args.year if args.year is not None else scenario.start_year
    problem, result, header, ctx = recommend(scenario, year, replicate=args.replicate, budget_thb=args.budget,
                                             mip=True if args.mip else None)
    rule = rule_allocation(ctx)
    prepare_out_dir(out.parent)  # like the other commands: missing folders are made
    if args.lp:
        prepare_out_dir(Path(args.lp).parent)
    try:
        written = write_plan(result, out, header=header, rule_thb=rule, problem=problem, params=ctx.params,
                             lang=args.lang)
        if args.lp:
            written.append(write_lp(problem, args.lp, mip=bool((problem.units["funded"] == "choose").any())))
    except OSError as err:
        raise SimError(f"cannot write: {err.strerror or err}", path=str(out)) from None
    summary = plan_summary(result, header, rule, problem=problem, lang=args.lang,
                           rule_words=rule_text(ctx.params, args.lang))
    for style, text in summary:
        print(("\n" if style == "heading" else "") + ("  " if style == "item" else "") + text)
    if args.robust:
        robust = robust_recommendation(scenario, ctx, problem, args.robust)
        values, money = robust_tables(robust, result)
        print(f"\nRobust ({robust.method.upper()} of the gain over {args.robust} sampled parameter sets) beside "
              "the plain mean allocation, in people protected:")
        print(values)
        print("\nMoney by level (THB):")
        print(money)
        rob_path = out.with_name(out.stem + "_robust" + out.suffix)
        try:
            written += write_plan(robust.robust, rob_path, header={**header, "allocation": "robust CVaR"},
                                  rule_thb=rule, problem=problem, params=ctx.params, lang=args.lang)
        except OSError as err:
            raise SimError(f"cannot write: {err.strerror or err}", path=str(rob_path)) from None
    print()
    for path in written:
        print(f"wrote {path}")
    return 0
