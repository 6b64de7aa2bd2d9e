#!/usr/bin/env python3
"""Test accuracy of scikit-learn's counterparts of the surrogate zoo, beside ours.

Trains scikit-learn estimators with the reference's hyper-parameters
(tracer-llm 0.3.3, section 2.1) on the same embeddings and labels, prints their
test accuracy, and, given --ours, runs `bench_models --compare` on the same
data and prints both with the difference in points.

Needs numpy and scikit-learn (Debian: /usr/bin/python3 with python3-sklearn).
Without them it prints a notice and exits 0, so it can run anywhere.

  /usr/bin/python3 bench/compare_sklearn.py --dataset prepared/banking77 \
      --embeddings lsa768 --ours build/bench_models [--models sgd_log,rf] [--tolerance 1.5]

or with explicit files: --train-x A.npy --test-x B.npy --train-y A.csv|A.npy --test-y B.csv|B.npy
(.csv: the column named by --label-column, default "label").
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import warnings

try:
    import numpy as np
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier
except ImportError as exc:  # pragma: no cover
    print(f"compare_sklearn: scikit-learn/numpy not importable ({exc}); skipped")
    sys.exit(0)

SEED = 42


def candidates():
    """The reference's candidate table, in registry order."""
    scaled = lambda est: Pipeline([("scale", StandardScaler()), ("clf", est)])
    return {
        "logreg_c1": lambda: scaled(LogisticRegression(C=1.0, max_iter=1000, random_state=SEED)),
        "logreg_c10": lambda: scaled(LogisticRegression(C=10.0, max_iter=1000, random_state=SEED)),
        "sgd_log": lambda: scaled(SGDClassifier(loss="log_loss", max_iter=200, tol=1e-3, random_state=SEED)),
        "mlp_1h": lambda: scaled(MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-4, max_iter=140,
                                               early_stopping=True, random_state=SEED)),
        "mlp_2h": lambda: scaled(MLPClassifier(hidden_layer_sizes=(256, 96), alpha=1e-4, max_iter=140,
                                               early_stopping=True, random_state=SEED)),
        "dt": lambda: DecisionTreeClassifier(max_depth=16, min_samples_leaf=2, random_state=SEED),
        "rf": lambda: RandomForestClassifier(n_estimators=200, max_features="sqrt", min_samples_leaf=2,
                                             n_jobs=2, random_state=SEED),
        "et": lambda: ExtraTreesClassifier(n_estimators=200, max_features="sqrt", min_samples_leaf=2,
                                           n_jobs=2, random_state=SEED),
    }


def read_labels(path, column):
    if path.endswith(".npy"):
        return [str(v) for v in np.load(path).tolist()]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if column not in reader.fieldnames:
            sys.exit(f"{path}: no column '{column}' (have {reader.fieldnames})")
        return [row[column] for row in reader]


def macro_f1(y, p):
    from sklearn.metrics import f1_score
    return f1_score(y, p, average="macro", zero_division=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", help="prepared dataset dir with train.csv, test.csv, embeddings/")
    ap.add_argument("--embeddings", default="lsa768", help="embedding file stem under <dataset>/embeddings")
    ap.add_argument("--train-x"), ap.add_argument("--test-x")
    ap.add_argument("--train-y"), ap.add_argument("--test-y")
    ap.add_argument("--label-column", default="label")
    ap.add_argument("--models", default=",".join(candidates()), help="comma-separated subset")
    ap.add_argument("--ours", help="path to our bench_models binary (runs --compare)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tolerance", type=float, default=1.5, help="allowed |ours - sklearn| in accuracy points")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any model is outside the tolerance")
    args = ap.parse_args()

    if args.dataset:
        emb = os.path.join(args.dataset, "embeddings")
        args.train_x = args.train_x or os.path.join(emb, f"{args.embeddings}_train.npy")
        args.test_x = args.test_x or os.path.join(emb, f"{args.embeddings}_test.npy")
        args.train_y = args.train_y or os.path.join(args.dataset, "train.csv")
        args.test_y = args.test_y or os.path.join(args.dataset, "test.csv")
    for name in ("train_x", "test_x", "train_y", "test_y"):
        if not getattr(args, name) or not os.path.exists(getattr(args, name)):
            sys.exit(f"missing input --{name.replace('_', '-')}: {getattr(args, name)}")

    Xtr = np.load(args.train_x).astype(np.float64)
    Xte = np.load(args.test_x).astype(np.float64)
    ltr, lte = read_labels(args.train_y, args.label_column), read_labels(args.test_y, args.label_column)
    if len(ltr) != len(Xtr) or len(lte) != len(Xte):
        sys.exit(f"row counts differ: X {len(Xtr)}/{len(Xte)}, labels {len(ltr)}/{len(lte)}")
    keep_tr = [i for i, v in enumerate(ltr) if v != ""]
    keep_te = [i for i, v in enumerate(lte) if v != ""]
    classes = sorted(set(ltr[i] for i in keep_tr) | set(lte[i] for i in keep_te))
    index = {c: k for k, c in enumerate(classes)}
    Xtr, Xte = Xtr[keep_tr], Xte[keep_te]
    ytr = np.array([index[ltr[i]] for i in keep_tr], dtype=np.int64)
    yte = np.array([index[lte[i]] for i in keep_te], dtype=np.int64)
    print(f"train {Xtr.shape}, test {Xte.shape}, {len(classes)} classes, labels '{args.label_column}'")

    models = [m for m in args.models.split(",") if m]
    ours = {}
    if args.ours:
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for key, arr in (("train_x", Xtr), ("test_x", Xte), ("train_y", ytr), ("test_y", yte)):
                paths[key] = os.path.join(tmp, key + ".npy")
                np.save(paths[key], arr)
            cmd = [args.ours, "--compare", paths["train_x"], paths["train_y"], paths["test_x"], paths["test_y"],
                   "--models", ",".join(models), "--threads", str(args.threads)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines()[1:]:
            name, acc, f1, secs = line.split("\t")[:4]
            ours[name] = (float(acc), float(f1), float(secs))

    warnings.filterwarnings("ignore")
    factories = candidates()
    print(f"{'model':<11} {'sklearn_acc':>11} {'ours_acc':>9} {'diff_pts':>8} {'sk_f1':>6} {'our_f1':>6} "
          f"{'sk_fit_s':>8} {'our_fit_s':>9}  within")
    worst = 0.0
    for name in models:
        t0 = time.perf_counter()
        est = factories[name]()
        try:
            est.fit(Xtr, ytr)
        except ValueError as exc:  # e.g. MLP early stopping: stratified split of a 1-row class
            print(f"{name:<11} sklearn fit failed: {exc}"
                  + (f" | ours {ours[name][0]:.4f}" if name in ours else ""), flush=True)
            continue
        secs = time.perf_counter() - t0
        pred = est.predict(Xte)
        acc = float((pred == yte).mean())
        f1 = macro_f1(yte, pred)
        if name in ours:
            oacc, of1, osecs = ours[name]
            diff = 100.0 * (oacc - acc)
            worst = max(worst, abs(diff))
            ok = "yes" if abs(diff) <= args.tolerance else "NO"
            print(f"{name:<11} {acc:>11.4f} {oacc:>9.4f} {diff:>+8.2f} {f1:>6.3f} {of1:>6.3f} {secs:>8.1f} {osecs:>9.1f}  {ok}",
                  flush=True)
        else:
            print(f"{name:<11} {acc:>11.4f} {'':>9} {'':>8} {f1:>6.3f} {'':>6} {secs:>8.1f}", flush=True)
    if ours:
        print(f"largest |difference|: {worst:.2f} points (tolerance {args.tolerance})")
        if args.strict and worst > args.tolerance:
            sys.exit(1)


if __name__ == "__main__":
    main()
