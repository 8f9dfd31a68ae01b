"""Non-inferiority of the closed-loop allocator against the rules it replaces (issue 14 item 4).

    .venv/bin/python benchmarks/lp_noninferiority.py [--years 10] [--replicates 20] [--workers 2]

Isan, common random numbers: for each of province_2021, zone_pilot_2022, zone_all_2023 and the
best fixed zone share (chosen on separate seeds), the paired 95% lower bound of
(lp_optimal - rule) on the headline (discounted person-years protected) must be at least
-delta, delta = 1% of the rule's gain over a zero-budget twin (`sim.studies.noninferiority`).
Writes results/checks/lp_noninferiority/{noninferiority.md, noninferiority.csv, horizon.csv,
money.csv, manifest.json}. The size actually run (region, years, replicates, the allocator's
settings) is stated in the file: the full size may not fit the time available.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "results" / "checks" / "lp_noninferiority"


def write(out: Path, res, args, seconds: float) -> None:
    from sim.studies.noninferiority import level_money, verdict, worst_gap

    out.mkdir(parents=True, exist_ok=True)
    res.table.to_csv(out / "noninferiority.csv", index=False, float_format="%.6g")
    res.horizon.to_csv(out / "horizon.csv", index=False, float_format="%.6g")
    money = level_money(res.summary)
    money.to_csv(out / "money.csv", index=False, float_format="%.6g")
    region = args.region or "Isan (20 provinces, 2,678 sub-districts)"
    full = args.years >= 10 and args.replicates >= 20 and args.region is None
    lines = [
        "# Is the closed-loop allocator never worse than the rules it replaces?",
        "",
        f"Written by `benchmarks/lp_noninferiority.py` in {seconds / 60:.0f} min on {args.workers} workers "
        f"({'the full size asked for' if full else 'a REDUCED size: the full one (Isan, 10 years, 20 replicates) did not fit the time available'}).",
        "",
        "## Setting",
        "",
        f"- Region {region}; {args.years} years from 2023; {args.replicates} replicates on common random numbers "
        "(replicate k is the same world under every policy); headline = discounted person-years protected over the "
        "run (`metrics.discount_rate`).",
        f"- Allocator: `lp_optimal` (the closed-loop LP, rolling horizon `policy.lp.horizon_years`, the fitted "
        f"state value, zone capacity valued once per funded zone){', with ' + ', '.join(f'`{k} = {v}`' for k, v in args.lp_overrides.items()) if args.lp_overrides else ''}.",
        f"- Rules: `province_2021`, `zone_pilot_2022`, `zone_all_2023`, and the best fixed zone share: the "
        f"`zone_all_2023` policy at s = {res.best_share:.1f}, chosen among s = 0, 0.2, ..., 1 on "
        f"{args.select_replicates} replicates of *other* seeds (below).",
        "- Non-inferior when the lower end of the paired two-sided 95% t-interval of (lp_optimal - rule) is at least "
        "-delta, delta = 1% of the rule's gain over a twin with no development budget (same random numbers).",
        "",
        "## Result",
        "",
        verdict(res.table),
        "",
        "| rule | lp_optimal − rule (person-years) | 95% interval | delta (1% of the rule's gain) | passes |",
        "| --- | ---: | ---: | ---: | :---: |",
    ]
    for row in res.table.itertuples():
        lines.append(f"| {row.rule} | {row.difference:+,.0f} | {row.ci_low:+,.0f} to {row.ci_high:+,.0f} | "
                     f"{row.delta:,.0f} | {'yes' if row.passes else 'NO'} |")
    lines += ["", "Headline means: " + "; ".join(f"{r.rule} {r.rule_mean:,.0f}" for r in res.table.itertuples())
              + f"; lp_optimal {res.table['lp_mean'].iloc[0]:,.0f} person-years.", "",
              "### Against the horizon", "",
              "| rule | lowest cumulative difference (year) | final | first year lp is ahead that year |",
              "| --- | ---: | ---: | ---: |"]
    for row in worst_gap(res.horizon).itertuples():
        first = "never" if row.first_yearly_positive is None else str(row.first_yearly_positive)
        lines.append(f"| {row.rule} | {row.lowest_cumulative:+,.0f} ({row.lowest_year}) | {row.final_cumulative:+,.0f} | "
                     f"{first} |")
    lines += ["", "### The zone share chosen on separate seeds", "", "| s | mean headline |", "| ---: | ---: |"]
    for row in res.selection.itertuples():
        lines.append(f"| {row.zone_share:.1f} | {row.mean_headline:,.0f} |")
    m = money[money["scenario"] == "lp_optimal"]
    lines += ["", "### What the allocator spends (mean over replicates)", "",
              "| year | budget | overhead | effort | people protected |", "| --- | ---: | ---: | ---: | ---: |"]
    for row in m.itertuples():
        lines.append(f"| {row.year} | {row.dev_budget_thb:,.0f} | {row.dev_overhead_thb:,.0f} | "
                     f"{row.dev_effort_thb:,.0f} | {row.people_protected:,.0f} |")
    lines += ["", "Per year and scenario: `money.csv`; differences against the horizon: `horizon.csv`.", ""]
    if args.notes:
        lines += ["## Reading", "", *args.notes, ""]
    (out / "noninferiority.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--select-replicates", type=int, default=4)
    parser.add_argument("--region", default=None, help="comma-separated province codes (default Isan)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="an allocator setting, e.g. policy.lp.mip=true (repeatable)")
    parser.add_argument("--out", default=None, help="folder (default results/checks/lp_noninferiority)")
    parser.add_argument("--note", action="append", default=[], dest="notes", help="a paragraph of the reading")
    args = parser.parse_args()
    import tomllib

    args.lp_overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        args.lp_overrides[key.strip()] = tomllib.loads(f"v = {value.strip()}")["v"]
    region = [c.strip() for c in args.region.split(",")] if args.region else None
    from sim.studies.noninferiority import noninferiority

    t0 = time.perf_counter()
    res = noninferiority(years=args.years, replicates=args.replicates, select_replicates=args.select_replicates,
                         region=region, workers=args.workers, lp_overrides=args.lp_overrides)
    out = Path(args.out) if args.out else OUT
    write(out, res, args, time.perf_counter() - t0)
    if args.out is None:
        from sim.report.manifest import write_results_manifest

        write_results_manifest(out, " ".join(["python", "benchmarks/lp_noninferiority.py", *sys.argv[1:]]))
    print(res.table.to_string())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
