#!/usr/bin/env python3
"""Compare regenerated result files with the committed ones, honestly.

usage: compare_results.py COMMITTED_DIR REGENERATED_DIR
       compare_results.py --check-configs EXPERIMENTS_DIR RESULTS_DIR

Comparing two result folders:

* The file SETS must be equal: a file missing from either side fails. Only
  timings.json and candidate_timings.csv (wall-clock times) are skipped.
* Identical bytes pass. Otherwise, by kind:
  - .csv (full-precision numbers): cell by cell. Same rows, same columns;
    integers exactly; other numbers within 1e-6 relative (absolute floor
    1e-12, for values that are zero up to rounding); text exactly.
  - .json: parsed and compared structurally: same keys, same list lengths,
    integers, booleans, strings and null exactly, other numbers within 1e-6
    relative (floor 1e-12). manifest.json: its version and environment fields
    (schema_version, tool, tool_version, git_revision, git_describe, git_dirty, libraries) are
    not compared, present or not; its
    "inputs" are compared by role and sha256 (paths depend on the invocation);
    resolved_config_toml without its output_dir line (--output changes it);
    every other field as above.
  - .dat (plot data, printed with 6 significant digits): token by token,
    numbers within one unit of the 6th significant digit, text exactly.
  - .md and .gp (rounded values in prose and tables): token by token, integers
    exactly, decimals within 1e-6 relative or one unit in the last printed
    place (at most 4 decimals). This rule exists only for rounded values.
  - .png, .svg (gnuplot renderings): must exist on both sides; the pixels
    depend on the gnuplot version and are not compared.
  - anything else: identical bytes.
  The only expected source of numeric difference between machines is a BLAS
  kernel summing in a different order.

--check-configs fails for a results folder that no experiment config writes
(every RESULTS_DIR/<name>/ must be the output_dir of some EXPERIMENTS_DIR/*.toml,
default "../results/<experiment.name>" relative to the config), and for a
config whose output_dir is inside RESULTS_DIR but does not exist (unless the
study is still being computed: units/<config stem>/IN_PROGRESS exists).

Exit status: 0 all equal, 1 differences, 2 usage error.
"""
import csv
import io
import json
import math
import re
import sys
import tomllib
from pathlib import Path

SKIPPED = {"timings.json", "candidate_timings.csv"}
EXISTENCE_ONLY = {".png", ".svg"}
MANIFEST_IGNORED = {"schema_version", "tool", "tool_version", "git_revision", "git_describe", "git_dirty", "libraries"}
REL_TOL = 1e-6
ABS_FLOOR = 1e-12
TOKEN = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|[^\d-]+|-", re.IGNORECASE)
INT = re.compile(r"-?\d+")
NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf(?:inity)?|nan", re.IGNORECASE)


def numbers_close(x, y):
    if math.isnan(x) and math.isnan(y):
        return True
    if math.isinf(x) or math.isinf(y):
        return x == y
    return abs(x - y) <= max(REL_TOL * max(abs(x), abs(y)), ABS_FLOOR)


# --- CSV -------------------------------------------------------------------
def cells_close(a, b):
    if a == b:
        return True
    if INT.fullmatch(a) and INT.fullmatch(b):
        return False  # counts never drift
    if NUMBER.fullmatch(a) and NUMBER.fullmatch(b):
        return numbers_close(float(a), float(b))
    return False


def compare_csv(ta, tb, name):
    ra, rb = list(csv.reader(io.StringIO(ta))), list(csv.reader(io.StringIO(tb)))
    if len(ra) != len(rb):
        return f"{name}: {len(ra)} rows committed, {len(rb)} regenerated"
    header = ra[0] if ra else []
    for n, (x, y) in enumerate(zip(ra, rb), 1):
        if len(x) != len(y):
            return f"{name}:{n}: {len(x)} fields committed, {len(y)} regenerated"
        for c, (p, q) in enumerate(zip(x, y)):
            if not cells_close(p, q):
                col = header[c] if n > 1 and c < len(header) else f"field {c + 1}"
                return f"{name}:{n}: column {col}: committed {p!r}, regenerated {q!r}"
    return None


# --- JSON ------------------------------------------------------------------
def json_diff(a, b, where):
    """The first difference between two parsed JSON values, or None."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return None if (type(a) is type(b) and a == b) else f"{where}: committed {a!r}, regenerated {b!r}"
    if isinstance(a, int) and isinstance(b, int):
        return None if a == b else f"{where}: committed {a}, regenerated {b} (integers must match)"
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return None if numbers_close(float(a), float(b)) else f"{where}: committed {a!r}, regenerated {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            missing, extra = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            if missing or extra:
                return f"{where}: keys missing {missing}, extra {extra}"
            return f"{where}: key order differs"
        for k in a:
            d = json_diff(a[k], b[k], f"{where}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} elements committed, {len(b)} regenerated"
        for i, (x, y) in enumerate(zip(a, b)):
            d = json_diff(x, y, f"{where}[{i}]")
            if d:
                return d
        return None
    return f"{where}: committed {type(a).__name__}, regenerated {type(b).__name__}"


def parse_json(text):
    # NaN/Infinity are not JSON, but keep them comparable if a writer emits them.
    return json.loads(text, parse_constant=float)


def normalise_manifest(m):
    if not isinstance(m, dict):
        return m
    m = {k: v for k, v in m.items() if k not in MANIFEST_IGNORED}
    if isinstance(m.get("inputs"), list):
        m["inputs"] = [{"role": i.get("role"), "sha256": i.get("sha256")} if isinstance(i, dict) else i
                       for i in m["inputs"]]
    if isinstance(m.get("resolved_config_toml"), str):
        m["resolved_config_toml"] = "\n".join(
            line for line in m["resolved_config_toml"].splitlines() if not line.startswith("output_dir"))
    return m


def compare_json(ta, tb, name):
    try:
        a, b = parse_json(ta), parse_json(tb)
    except ValueError as e:
        return f"{name}: not valid JSON: {e}"
    if Path(name).name == "manifest.json":
        a, b = normalise_manifest(a), normalise_manifest(b)
    return json_diff(a, b, name)


# --- token-wise text (.md, .gp, .dat) -------------------------------------------
def rounded_close(a, b):
    """Rounded prose values: integers exact, decimals 1e-6 relative or one unit in the last printed place."""
    if a == b:
        return True
    if not (NUMBER.fullmatch(a) and NUMBER.fullmatch(b)):
        return False
    if INT.fullmatch(a) and INT.fullmatch(b):
        return False
    fa, fb = float(a), float(b)
    if numbers_close(fa, fb):
        return True
    decimals = max(len(t.split(".")[1]) if "." in t and "e" not in t.lower() else 0 for t in (a, b))
    return 0 < decimals <= 4 and abs(fa - fb) <= 10 ** (-decimals) * 1.0000001


def significant_close(a, b, digits=6):
    """Plot data printed with {:.6g}: within one unit of the 6th significant digit."""
    if a == b:
        return True
    if not (NUMBER.fullmatch(a) and NUMBER.fullmatch(b)):
        return False
    fa, fb = float(a), float(b)
    if numbers_close(fa, fb):
        return True
    if not (math.isfinite(fa) and math.isfinite(fb)):
        return False
    scale = max(abs(fa), abs(fb))
    unit = 10 ** (math.floor(math.log10(scale)) - (digits - 1))
    return abs(fa - fb) <= unit * 1.0000001


def compare_tokens(ta, tb, name, close):
    la, lb = ta.splitlines(), tb.splitlines()
    if len(la) != len(lb):
        return f"{name}: {len(la)} lines committed, {len(lb)} regenerated"
    for n, (x, y) in enumerate(zip(la, lb), 1):
        if x == y:
            continue
        xa, ya = TOKEN.findall(x), TOKEN.findall(y)
        if len(xa) != len(ya) or not all(close(p, q) for p, q in zip(xa, ya)):
            return f"{name}:{n}: committed\n    {x}\n  regenerated\n    {y}"
    return None


def compare_file(a: Path, b: Path, name: str):
    """None if equal bytes, "tolerated" if equal within the rules, else a description."""
    ba, bb = a.read_bytes(), b.read_bytes()
    if ba == bb:
        return None
    suffix = a.suffix.lower()
    if suffix in EXISTENCE_ONLY:
        return "tolerated"
    if suffix not in (".csv", ".json", ".md", ".gp", ".dat"):
        return f"{name}: bytes differ"
    try:
        ta, tb = ba.decode("utf-8"), bb.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"{name}: not UTF-8: {e}"
    if suffix == ".csv":
        verdict = compare_csv(ta, tb, name)
    elif suffix == ".json":
        verdict = compare_json(ta, tb, name)
    elif suffix == ".dat":
        verdict = compare_tokens(ta, tb, name, significant_close)
    else:
        verdict = compare_tokens(ta, tb, name, rounded_close)
    return verdict or "tolerated"


def result_files(root: Path):
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name not in SKIPPED}


def compare_dirs(committed: Path, regenerated: Path):
    for d in (committed, regenerated):
        if not d.is_dir():
            print(f"compare_results: {d} is not a folder")
            return 1
    fa, fb = result_files(committed), result_files(regenerated)
    if not fa:
        print(f"compare_results: no result files in {committed}")
        return 1
    failures, tolerated = [], 0
    failures += [f"{f}: missing from the regenerated results ({regenerated})" for f in sorted(fa - fb)]
    failures += [f"{f}: not in the committed results ({committed}): an extra file" for f in sorted(fb - fa)]
    common = sorted(fa & fb)
    for f in common:
        verdict = compare_file(committed / f, regenerated / f, f)
        if verdict == "tolerated":
            tolerated += 1
        elif verdict:
            failures.append(verdict)
    for f in failures:
        print("compare_results: DIFFERS:", f)
    different = len(failures) - len(fa - fb) - len(fb - fa)
    print(f"compare_results: {committed}: {len(fa)} committed, {len(fb)} regenerated files; "
          f"{len(common) - different - tolerated} identical, {tolerated} within tolerance, {different} different, "
          f"{len(fa - fb)} missing, {len(fb - fa)} extra")
    return 1 if failures else 0


def check_configs(experiments: Path, results: Path):
    configs = sorted(experiments.glob("*.toml"))
    if not configs:
        print(f"compare_results: no *.toml in {experiments}")
        return 1
    produced, failures = {}, []
    for cfg in configs:
        try:
            with open(cfg, "rb") as fh:
                doc = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as e:
            failures.append(f"{cfg}: cannot parse: {e}")
            continue
        exp = doc.get("experiment", {})
        name = exp.get("name") if isinstance(exp, dict) else None
        out = exp.get("output_dir") if isinstance(exp, dict) else None
        if out is None:
            if not isinstance(name, str):
                failures.append(f"{cfg}: no [experiment] name or output_dir")
                continue
            out = f"../results/{name}"
        produced[(cfg.parent.resolve() / out).resolve()] = cfg
    root = results.resolve()
    for d in sorted(p for p in results.iterdir() if p.is_dir()):
        if d.resolve() not in produced:
            failures.append(f"{d}: no config in {experiments} writes this folder (stale results?)")
    for out, cfg in sorted(produced.items()):
        # A unit study still being computed has no results yet (see check_results.sh).
        in_progress = (experiments.resolve().parent / "units" / cfg.stem / "IN_PROGRESS").is_file()
        if out.parent == root and not out.is_dir() and not in_progress:
            failures.append(f"{cfg}: its output_dir {out} is not in {results} (results not committed?)")
    for f in failures:
        print("compare_results: STALE:", f)
    print(f"compare_results: {len(configs)} configs, {sum(1 for p in results.iterdir() if p.is_dir())} result "
          f"folders, {len(failures)} problems")
    return 1 if failures else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "--check-configs":
        return check_configs(Path(argv[2]), Path(argv[3]))
    if len(argv) != 3 or argv[1].startswith("-"):
        print(__doc__)
        return 2
    return compare_dirs(Path(argv[1]), Path(argv[2]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
