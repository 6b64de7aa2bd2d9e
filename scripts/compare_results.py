#!/usr/bin/env python3
"""Compare regenerated result files with the committed ones.

Identical bytes pass. Otherwise the files are compared token by token: text
must match exactly, integers must match exactly (counts never drift), and
decimals may differ by at most 1e-6 relative (full-precision CSV values) or by
one unit in the last printed place (rounded Markdown values): the only
expected source of difference between machines is a BLAS kernel summing in a
different order. Timings (timings.json, candidate_timings.csv) and the manifest (which
records the git revision) are not compared.

usage: compare_results.py COMMITTED_DIR REGENERATED_DIR
"""
import re
import sys
from pathlib import Path

COMPARED = (".csv", ".md", ".json")
SKIPPED = {"manifest.json", "timings.json", "candidate_timings.csv"}
TOKEN = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[^\d-]+|-", re.IGNORECASE)


def numeric(tok):
    try:
        return float(tok)
    except ValueError:
        return None


def close(a, b):
    if a == b:
        return True
    fa, fb = numeric(a), numeric(b)
    if fa is None or fb is None:
        return False
    is_int = lambda t: re.fullmatch(r"-?\d+", t) is not None
    if is_int(a) and is_int(b):
        return False
    if abs(fa - fb) <= 1e-6 * max(abs(fa), abs(fb), 1e-3):
        return True
    decimals = max(len(t.split(".")[1]) if "." in t and "e" not in t.lower() else 0 for t in (a, b))
    return 0 < decimals <= 4 and abs(fa - fb) <= 10 ** (-decimals) * 1.0000001


def compare_file(a: Path, b: Path):
    ta, tb = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
    if ta == tb:
        return None
    la, lb = ta.splitlines(), tb.splitlines()
    if len(la) != len(lb):
        return f"{a.name}: {len(la)} lines committed, {len(lb)} regenerated"
    for n, (x, y) in enumerate(zip(la, lb), 1):
        if x == y:
            continue
        xa, ya = TOKEN.findall(x), TOKEN.findall(y)
        if len(xa) != len(ya) or not all(close(p, q) for p, q in zip(xa, ya)):
            return f"{a.name}:{n}: committed\n    {x}\n  regenerated\n    {y}"
    return "tolerated"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    committed, regenerated = Path(sys.argv[1]), Path(sys.argv[2])
    files = sorted(p for p in committed.rglob("*") if p.is_file() and p.suffix in COMPARED and p.name not in SKIPPED)
    if not files:
        print(f"compare_results: no result files in {committed}")
        return 1
    failures, tolerated = [], 0
    for f in files:
        g = regenerated / f.relative_to(committed)
        if not g.exists():
            failures.append(f"{f.relative_to(committed)}: missing from the regenerated results")
            continue
        verdict = compare_file(f, g)
        if verdict == "tolerated":
            tolerated += 1
        elif verdict:
            failures.append(verdict)
    for f in failures:
        print("compare_results: DIFFERS:", f)
    print(f"compare_results: {len(files)} files, {len(files) - len(failures) - tolerated} identical, "
          f"{tolerated} within tolerance, {len(failures)} different")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
