#!/usr/bin/env python3
"""Embed a prepared trace table with a sentence-transformers model (default
BAAI/bge-large-en-v1.5, the paper's encoder) into the .npy layout that
tracer-bench reads.

Needs internet (to download the model once) and preferably a GPU:
  pip install sentence-transformers   (pulls torch and numpy)

Two ways to call it:
  # one table -> one matrix
  embed_sentence_transformers.py --table prepared/banking77/train.csv --out emb/bge_train.npy
  # a prepared dataset folder -> <out-dir>/<name>_train.npy, <name>_test.npy,
  # <name>.json: the same layout as `tracer-bench embed`
  embed_sentence_transformers.py --dataset-dir prepared/banking77 --out-dir emb/banking77 --name bge-large

Output: float32, C order, shape (rows, dim), row i = record i of the table
(table order, nothing skipped or reordered). Embeddings are L2-normalised
(normalize_embeddings=True, as BGE intends) unless --no-normalize.
Pair tables (a text_b column, e.g. MNLI): u = embed(text), v = embed(text_b)
and the row is [u, v, |u - v|, u * v] (4 x dim; InferSent/SBERT-style
features), unless --ignore-text-b.
Sidecar JSON: model, dim, count, normalisation, pair mode, sha256 of each
input table (and of each output), library versions, device, seconds.
"""
import argparse
import csv
import hashlib
import json
import os
import sys
import time

SCRIPT_VERSION = "1.0.0"
DEFAULT_MODEL = "BAAI/bge-large-en-v1.5"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_table(path, ignore_text_b=False):
    """(texts, texts_b or None) in table order."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        if "text" not in fields:
            sys.exit(f"embed_sentence_transformers: {path}: no 'text' column (columns: {', '.join(fields)})")
        pair = "text_b" in fields and not ignore_text_b
        texts, texts_b = [], []
        for r in reader:
            texts.append(r["text"])
            if pair:
                texts_b.append(r["text_b"])
    if not texts:
        sys.exit(f"embed_sentence_transformers: {path}: no rows")
    return texts, (texts_b if pair else None)


def import_sentence_transformers():
    """Imported here, not at the top, so --help and the argument checks work
    without the heavy dependency, and its absence gets a clear message."""
    try:
        import numpy as np
        import sentence_transformers
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        sys.exit("embed_sentence_transformers: this script needs sentence-transformers (and numpy, torch):\n"
                 "  pip install sentence-transformers\n"
                 f"(import failed: {e})")
    return np, sentence_transformers, SentenceTransformer


def pair_features(np, u, v):
    """[u, v, |u - v|, u * v], row by row."""
    return np.concatenate([u, v, np.abs(u - v), u * v], axis=1)


def save_npy(np, path, matrix):
    """float32, C order, written to a temporary name then renamed."""
    arr = np.ascontiguousarray(matrix, dtype=np.float32)
    if not np.all(np.isfinite(arr)):
        sys.exit(f"embed_sentence_transformers: non-finite values in the embeddings for {path}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}.npy"
    np.save(tmp, arr, allow_pickle=False)
    os.replace(tmp, path)
    return arr.shape


def embed_table(np, model, path, args):
    texts, texts_b = read_table(path, args.ignore_text_b)

    def enc(items, what):
        print(f"embed_sentence_transformers: {path}: {len(items)} {what}", file=sys.stderr)
        if args.prefix:  # prepended by hand: encode(prompt=...) is missing from older versions
            items = [args.prefix + t for t in items]
        return model.encode(items, batch_size=args.batch_size, show_progress_bar=not args.quiet,
                            normalize_embeddings=not args.no_normalize, convert_to_numpy=True)

    u = enc(texts, "texts")
    if texts_b is None:
        return u, {"rows": len(texts), "pair_mode": None}
    v = enc(texts_b, "texts_b")
    return pair_features(np, u, v), {"rows": len(texts), "pair_mode": "[u, v, |u-v|, u*v]"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", help="one prepared trace table (CSV)")
    ap.add_argument("--out", help="output .npy for --table (sidecar: same name with .json)")
    ap.add_argument("--dataset-dir", help="prepared/<dataset> folder with train.csv and test.csv")
    ap.add_argument("--out-dir", help="output folder for --dataset-dir")
    ap.add_argument("--name", help="output name for --dataset-dir (default: from the model)")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--device", help="cuda, cuda:1, mps, cpu (default: what sentence-transformers picks)")
    ap.add_argument("--max-seq-length", type=int, help="truncate inputs to this many tokens")
    ap.add_argument("--prefix", default="", help="text prepended to every input (an instruction; BGE needs none for classification)")
    ap.add_argument("--no-normalize", action="store_true", help="keep raw (unnormalised) embeddings")
    ap.add_argument("--ignore-text-b", action="store_true", help="embed only 'text' even in a pair table")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)

    if bool(args.table) == bool(args.dataset_dir):
        ap.error("give either --table/--out or --dataset-dir/--out-dir")
    if args.table and not args.out:
        ap.error("--table needs --out")
    if args.dataset_dir and not args.out_dir:
        ap.error("--dataset-dir needs --out-dir")
    if args.batch_size < 1:
        ap.error("--batch-size must be >= 1")
    if args.table:
        jobs = [(args.table, args.out)]
        sidecar = os.path.splitext(args.out)[0] + ".json"
    else:
        name = args.name or args.model.rstrip("/").split("/")[-1]
        jobs = [(os.path.join(args.dataset_dir, f"{split}.csv"), os.path.join(args.out_dir, f"{name}_{split}.npy"))
                for split in ("train", "test")]
        sidecar = os.path.join(args.out_dir, f"{name}.json")
    for table, _ in jobs:
        if not os.path.isfile(table):
            sys.exit(f"embed_sentence_transformers: no such table: {table}")

    np, st, SentenceTransformer = import_sentence_transformers()
    started = time.time()
    model = SentenceTransformer(args.model, device=args.device)
    if args.max_seq_length:
        model.max_seq_length = args.max_seq_length
    base_dim = model.get_sentence_embedding_dimension()

    outputs = []
    for table, out in jobs:
        matrix, info = embed_table(np, model, table, args)
        shape = save_npy(np, out, matrix)
        if shape[0] != info["rows"]:
            sys.exit(f"embed_sentence_transformers: {out} has {shape[0]} rows, the table {info['rows']}")
        print(f"embed_sentence_transformers: wrote {out} {shape}", file=sys.stderr)
        outputs.append({"table": table, "table_sha256": sha256_file(table), "output": out,
                        "output_sha256": sha256_file(out), "count": shape[0], "dim": shape[1],
                        "pair_mode": info["pair_mode"]})

    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    meta = {
        "script": "embed_sentence_transformers.py", "script_version": SCRIPT_VERSION,
        "encoder": "sentence-transformers", "model": args.model,
        "dim": outputs[0]["dim"], "model_dim": base_dim,
        "count": {os.path.basename(o["output"]): o["count"] for o in outputs},
        "dtype": "float32", "order": "C", "normalize_embeddings": not args.no_normalize,
        "prefix": args.prefix, "max_seq_length": model.max_seq_length, "batch_size": args.batch_size,
        "device": str(model.device), "sentence_transformers_version": st.__version__,
        "torch_version": torch_version, "seconds": round(time.time() - started, 3),
        "files": outputs,
    }
    tmp = sidecar + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    os.replace(tmp, sidecar)
    print(f"embed_sentence_transformers: wrote {sidecar}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
