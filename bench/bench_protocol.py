#!/usr/bin/env python3
"""Whole-protocol benchmark: run tracer-bench on an experiment N times, measure each run.

    python3 bench/bench_protocol.py                                # Banking77, 3 runs
    python3 bench/bench_protocol.py --repeat 5 --threads 1 --out bench_protocol.json
    python3 bench/bench_protocol.py experiments/clinc150.toml experiments/mnli.toml

Each run is `build/tracer-bench EXP.toml --output <fresh temp folder> --quiet [--threads N]`
with the config's own seed. Per run: wall seconds, user and system CPU seconds and peak RSS
of the process (os.wait4; includes the children it waited for, e.g. gnuplot), and the
tool's own timings.json (replay seconds). The JSON (stdout, or --out) has a context block:
CPU model, ISA flags, cores, thread setting, git revision and dirty flag, compiler, library
versions (from the run's manifest.json; tracer-bench has no --version) and Debian versions
of the BLAS/LAPACK packages, date. Stdlib only.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl")
DEB_PACKAGES = ("libopenblas0-pthread", "libopenblas0-openmp", "libopenblas0-serial", "libarmadillo11",
                "liblapack3", "g++")


def _run_text(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def cpu_context() -> dict:
    model, flags = "", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return {
        "model_name": model or platform.processor(),
        "isa": {flag: flag in flags for flag in ISA_FLAGS},
        "logical_cores": os.cpu_count(),
        "cores_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
    }


def git_context() -> dict:
    rev = _run_text(["git", "rev-parse", "HEAD"])
    dirty = _run_text(["git", "status", "--porcelain", "--untracked-files=no"])
    return {"revision": rev or None, "dirty": bool(dirty) if rev else None,
            "describe": _run_text(["git", "describe", "--always", "--tags", "--long", "--dirty"]) or None}


def compiler_context(build_dir: str) -> dict:
    """The C++ compiler and build type of the CMake build the binary came from."""
    cache = {}
    path = os.path.join(build_dir, "CMakeCache.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, sep, value = line.partition("=")
                if sep and ":" in name:
                    cache[name.split(":", 1)[0]] = value.strip()
    cxx = cache.get("CMAKE_CXX_COMPILER")
    version = (_run_text([cxx, "--version"]).splitlines() or [None])[0] if cxx else None
    return {"path": cxx, "version": version, "build_type": cache.get("CMAKE_BUILD_TYPE"),
            "cxx_flags_release": cache.get("CMAKE_CXX_FLAGS_RELEASE")}


def debian_versions() -> dict:
    out = {}
    for p in DEB_PACKAGES:
        v = _run_text(["dpkg-query", "-W", "-f=${Status}|${Version}", p])
        if v.startswith("install ok installed|"):
            out[p] = v.split("|", 1)[1]
    return out


def config_threads(toml_path: str):
    with open(toml_path, "rb") as f:
        return tomllib.load(f).get("experiment", {}).get("threads", 0)


def one_run(binary: str, config: str, threads: int | None, keep: str | None) -> tuple[dict, dict]:
    out = tempfile.mkdtemp(prefix="tracer_bench_protocol.")
    cmd = [binary, config, "--output", os.path.join(out, "result"), "--quiet"]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        if proc.returncode != 0:
            raise SystemExit(f"bench_protocol: {' '.join(cmd)} exited with {proc.returncode}")
        run = {
            "wall_seconds": round(wall, 3),
            "user_seconds": round(usage.ru_utime, 3),
            "sys_seconds": round(usage.ru_stime, 3),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mib": round(usage.ru_maxrss / 1024.0, 1),  # Linux: ru_maxrss in KiB
        }
        manifest = {}
        result = os.path.join(out, "result")
        if os.path.exists(os.path.join(result, "timings.json")):
            with open(os.path.join(result, "timings.json"), encoding="utf-8") as f:
                timings = json.load(f)
            run["tool_seconds_total"] = timings.get("seconds_total")
            run["tool_replay_seconds"] = [r.get("seconds") for r in timings.get("replay_seconds", [])]
        if os.path.exists(os.path.join(result, "manifest.json")):
            with open(os.path.join(result, "manifest.json"), encoding="utf-8") as f:
                manifest = json.load(f)
        if keep:
            shutil.copytree(result, keep, dirs_exist_ok=True)
        return run, manifest
    finally:
        shutil.rmtree(out, ignore_errors=True)


def summary(runs: list[dict]) -> dict:
    out = {}
    for key in ("wall_seconds", "cpu_seconds", "user_seconds", "sys_seconds", "peak_rss_mib"):
        values = [r[key] for r in runs]
        out[key] = {"min": min(values), "median": round(statistics.median(values), 3), "max": max(values)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="bench_protocol.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("configs", nargs="*", default=["experiments/banking77.toml"],
                    help="experiment TOML files (default: experiments/banking77.toml)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per config (default 3)")
    ap.add_argument("--threads", type=int, default=None,
                    help="pass --threads N (default: the config's [experiment] threads)")
    ap.add_argument("--binary", default="build/tracer-bench", help="default build/tracer-bench")
    ap.add_argument("--out", default=None, help="write the JSON here (default: stdout)")
    ap.add_argument("--keep", default=None, help="copy the last run's result folder here")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    binary = os.path.abspath(os.path.join(REPO, args.binary)) if not os.path.isabs(args.binary) else args.binary
    if not os.access(binary, os.X_OK):
        ap.error(f"{binary} is not an executable (bash scripts/build.sh --main-only)")
    report = {
        "benchmark": "bench/bench_protocol.py",
        "context": {
            "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(),
            "os": platform.platform(),
            "cpu": cpu_context(),
            "git": git_context(),
            "compiler": compiler_context(os.path.dirname(binary)),
            "debian_packages": debian_versions(),
            "binary": os.path.relpath(binary, REPO),
            "threads_option": args.threads,
            "repeat": args.repeat,
        },
        "experiments": [],
    }
    for config in args.configs:
        cfg_threads = config_threads(config)
        runs, manifest = [], {}
        for i in range(args.repeat):
            run, manifest = one_run(binary, config, args.threads, args.keep if i == args.repeat - 1 else None)
            runs.append(run)
            print(f"bench_protocol: {config} run {i + 1}/{args.repeat}: wall {run['wall_seconds']} s, "
                  f"cpu {run['cpu_seconds']} s, peak rss {run['peak_rss_mib']} MiB", file=sys.stderr)
        report["experiments"].append({
            "config": config,
            "seed": manifest.get("seed"),
            "threads": args.threads if args.threads is not None else cfg_threads,
            "threads_meaning": "0 = all cores",
            "tool": {k: manifest.get(k) for k in ("tool_version", "git_revision", "libraries", "build")
                     if k in manifest},
            "runs": runs,
            "summary": summary(runs),
        })
    text = json.dumps(report, indent=2) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
