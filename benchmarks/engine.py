"""Engine speed: one 20-year monthly replicate of Isan and of the whole country.

Prints a table (and optionally writes CSV): wall seconds per replicate, fund-months per
second, and peak memory of a fresh process per workload. Goals on a 2-core machine: Isan
<= 1.0 s per replicate, national <= 3 s, national peak memory <= 1.5 GB.

    python benchmarks/engine.py [--years 20] [--threads 1] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

WORKLOAD = r"""
import json, resource, sys, time
import numba
numba.set_num_threads({threads})
from sim.model.engine import simulate
from sim.inputs.scenario import scenario_from_dict
s = scenario_from_dict({{"run": {{"region": "{region}", "years": {years}}}, "policy": {{"kind": "{policy}"}}}})
simulate(s.with_overrides({{}}, years=1), 0, outputs=("summary",))   # compile / warm caches
times = []
for r in range({repeats}):
    t = time.perf_counter()
    res = simulate(s, r + 1, outputs=("summary",))
    times.append(time.perf_counter() - t)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": min(times), "mean_seconds": sum(times) / len(times), "peak_mb": peak}}))
"""


def run(region: str, years: int, threads: int, repeats: int, policy: str) -> dict:
    code = WORKLOAD.format(region=region, years=years, threads=threads, repeats=repeats, policy=policy)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="numba threads for the monthly step")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--policies", default="zone_share", help="comma-separated: zone_share,lp")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    sizes = {"isan": 2678, "national": 7436}
    rows = []
    for policy in args.policies.split(","):
        for region, n in sizes.items():
            t0 = time.perf_counter()
            r = run(region, args.years, args.threads, args.repeats, policy)
            fund_months = n * 12 * args.years
            rows.append({"workload": f"{region} {args.years}y {policy}", "sub_districts": n,
                         "seconds_per_replicate": r["seconds"], "mean_seconds": r["mean_seconds"],
                         "fund_months_per_second": fund_months / r["seconds"], "peak_memory_mb": r["peak_mb"],
                         "bench_wall_s": time.perf_counter() - t0})
    header = f"{'workload':<26}{'sub-districts':>14}{'s/replicate':>13}{'mean s':>9}{'fund-months/s':>15}{'peak MB':>9}"
    print(header)
    for row in rows:
        print(f"{row['workload']:<26}{row['sub_districts']:>14,}{row['seconds_per_replicate']:>13.2f}"
              f"{row['mean_seconds']:>9.2f}{row['fund_months_per_second']:>15,.0f}{row['peak_memory_mb']:>9.0f}")
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
