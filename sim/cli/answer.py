"""`welfare-sim answer`: the province-versus-zone answer: zone-share sweep, optimum, break-even frontier."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

HELP = 'the province-versus-zone answer: zone-share sweep, optimum, break-even frontier'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/answer; with --quick a new temporary "
                   "folder, never results/); re-running resumes")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few replicates) to try it out")


def main(args) -> int:
    """`welfare-sim answer [--out DIR] [--quick] [--workers N]`."""
    from sim.studies.answer import AnswerConfig, run_answer
    cfg = AnswerConfig()
    if args.quick:
        cfg = AnswerConfig(years=3, replicates=4, shares=(0.0, 0.5, 1.0), zone_sizes=(25,), zone_noises=(0.3,),
                           overheads=(120_000.0,), frontier_noises=(0.3, 0.9), frontier_shares=(0.0, 1.0), frontier_replicates=3,
                           region=("49", "37"), budget_thb=3_000_000.0)
    from sim.report.manifest import write_results_manifest
    from sim.report.outputs import prepare_out_dir

    out = args.out
    if out is None:
        out = tempfile.mkdtemp(prefix="welfare-sim-answer-quick-") if args.quick else "results/answer"
    prepare_out_dir(out)  # a file, or a folder that cannot be written: one line, before any run
    result = run_answer(cfg, out, workers=args.workers)
    write_results_manifest(out, getattr(args, "command_line", "welfare-sim answer"), config=cfg.__dict__)
    print(result["text"])
    print(f"wrote the answer to {out}", file=sys.stderr)
    return 0
