#!/usr/bin/env python3
"""The scaling study in one command: build bench_scaling, run it, write the JSON, regenerate
the tables in docs/performance.md.

    python3 bench/scaling_study.py                      # full grid, 3 repetitions (~70 min of CPU today)
    python3 bench/scaling_study.py --mode quick         # every fit, the protocol at the small points, 1 rep
    python3 bench/scaling_study.py --repetitions 5 --out /tmp/s.json --no-doc

Grid (bench/bench_scaling.cpp): one factor at a time around n = 10,000 traces, K = 77,
d = 768, 1 thread: n in {2000, 5000, 10000, 18000}, K in {77, 150}, d in {256, 768, 1024},
threads in {1, 2}. `quick` runs every fit (all points) but the whole protocol only at
n = 2,000 and 5,000, to keep a check run near 10 minutes of CPU on today's kernels.
The JSON holds Google Benchmark's output plus a context block (CPU, ISA flags, cores,
git revision and dirty flag, compiler, Debian library versions, date). Stdlib only.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_protocol  # noqa: E402  (context helpers)
import scaling_table  # noqa: E402

BASE = (10000, 77, 768, 1)
MODES = {
    # Google Benchmark filter (a regex on the names), repetitions
    "full": (".", 3),
    "quick": ("BM_Fit/|BM_Replay/n:(2000|5000)/", 1),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scaling_study.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=sorted(MODES), default="full")
    ap.add_argument("--repetitions", type=int, default=None, help="override the mode's repetitions")
    ap.add_argument("--filter", default=None, help="override the mode's Google Benchmark filter")
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--out", default=os.path.join("bench", "results", "scaling.json"))
    ap.add_argument("--doc", default=os.path.join("docs", "performance.md"))
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite the doc's tables")
    ap.add_argument("--no-build", action="store_true", help="use the existing build/bench_scaling")
    args = ap.parse_args(argv)
    bench_filter, reps = MODES[args.mode]
    bench_filter = args.filter or bench_filter
    reps = args.repetitions or reps
    build = os.path.join(REPO, args.build_dir)
    if not args.no_build:
        subprocess.run(["cmake", "--build", build, "--target", "bench_scaling", f"-j{os.cpu_count()}"],
                       cwd=REPO, check=True)
    binary = os.path.join(build, "bench_scaling")
    context = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(),
        "os": platform.platform(),
        "cpu": bench_protocol.cpu_context(),
        "git": bench_protocol.git_context(),
        "compiler": bench_protocol.compiler_context(build),
        "debian_packages": bench_protocol.debian_versions(),
        "mode": args.mode,
        "filter": bench_filter,
        "repetitions": reps,
        "grid": {"base": list(BASE), "n": [2000, 5000, 10000, 18000], "K": [77, 150], "d": [256, 768, 1024],
                 "threads": [1, 2], "design": "one factor at a time around the base point"},
        "openblas_threads": 1,
    }
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "bench.json")
        subprocess.run([binary, f"--benchmark_filter={bench_filter}", f"--benchmark_repetitions={reps}",
                        "--benchmark_out_format=json", f"--benchmark_out={raw}"], cwd=REPO, check=True)
        with open(raw, encoding="utf-8") as f:
            gbench = json.load(f)
    report = {"benchmark": "bench/scaling_study.py (build/bench_scaling)", "context": context,
              "google_benchmark_context": gbench.get("context", {}), "benchmarks": gbench["benchmarks"]}
    out = os.path.join(REPO, args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f"scaling_study: wrote {args.out}")
    if not args.no_doc:
        return scaling_table.main([out, "--doc", os.path.join(REPO, args.doc)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
