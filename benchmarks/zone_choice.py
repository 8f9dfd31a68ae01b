"""Fewer, better-funded zones: the allocator's mixed-integer choice of zones, zone by zone (issue 14 item 5).

    .venv/bin/python benchmarks/zone_choice.py [--scenario zone_all_2023] [--year 2024]

Writes results/checks/zone_choice/{zone_choice.md, zone_choice.csv, manifest.json}: every zone
funded against the zones the mixed-integer model chooses, from the state the scenario's own
policy reaches by the start of the year (`sim.studies.zone_choice`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "results" / "checks" / "zone_choice"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="zone_all_2023")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--region", default=None, help="comma-separated province codes (default: the scenario's)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.studies.zone_choice import markdown, zone_choice

    scenario = load_scenario(find_scenario(args.scenario))
    if args.region:
        scenario = scenario.with_overrides({}, region=[c.strip() for c in args.region.split(",")])
    table, summary = zone_choice(scenario, args.year)
    out = Path(args.out) if args.out else OUT
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "zone_choice.csv", index=False, float_format="%.6g")
    (out / "zone_choice.md").write_text(markdown(table, summary, scenario.name), encoding="utf-8")
    if args.out is None:
        from sim.report.manifest import write_results_manifest

        write_results_manifest(out, " ".join(["python", "benchmarks/zone_choice.py", *sys.argv[1:]]))
    print(markdown(table, summary, scenario.name))


if __name__ == "__main__":
    main()
