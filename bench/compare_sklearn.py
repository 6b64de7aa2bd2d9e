#!/usr/bin/env python3
"""Test accuracy and fit time of scikit-learn's counterparts of the surrogate zoo, beside ours.

Trains scikit-learn estimators with the reference's hyper-parameters
(tracer-llm 0.3.3, section 2.1) on the same embeddings and labels, prints their
test accuracy and fit seconds, and, given --ours, runs `bench_models --compare`
on the same data, one model at a time, right before scikit-learn's fit of the
same model (so both sides see the same machine load), and prints both with the
accuracy difference in points and the fit-time ratio (sklearn / ours), in
wall seconds and in process CPU seconds (the fairer measure on a loaded
machine when both sides are single-threaded).

Threads: --threads N (default 1) is used by both sides: our FitContext
n_threads, scikit-learn's n_jobs for rf/et, and OpenBLAS/OpenMP/MKL threads of
both processes (set in the environment before numpy is imported; our
bench_models gets the same environment). --json PATH writes every row plus a
context block (CPU, ISA flags, threads, library versions, our git revision,
date, other load).

Needs numpy and scikit-learn (Debian: /usr/bin/python3 with python3-sklearn).
Without them it prints a notice and exits 0, so it can run anywhere.

  /usr/bin/python3 bench/compare_sklearn.py --dataset prepared/banking77 \
      --embeddings lsa768 --ours build/bench_models [--models sgd_log,rf] [--tolerance 1.5] \
      [--threads 1] [--train-rows N] [--repeat N] [--json out.json]

--repeat N runs N paired rounds per model: the printed and recorded times and
speed-ups are medians over the rounds, with the smallest and largest speed-up
(a single round moved by 20% between sessions on the same machine).

--seeds N runs N paired rounds with seeds 42, 43, ... on both sides instead:
for the MLPs the number of epochs early stopping runs is itself random (26 or
39 for the same model and data, by seed), so one seed's time ratio says as
much about the seed as about the code. Reported: the median of the per-seed
speed-ups, their range, and total sklearn seconds / total ours.

or with explicit files: --train-x A.npy --test-x B.npy --train-y A.csv|A.npy --test-y B.csv|B.npy
(.csv: the column named by --label-column, default "label").
"""
import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings


def _threads_from_argv():
    # BLAS/OpenMP pools size themselves when numpy is imported, so the thread
    # count must be in the environment before the import below.
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


THREADS_ENV = {k: _threads_from_argv() for k in
               ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")}
os.environ.update(THREADS_ENV)

try:
    import numpy as np
    import sklearn
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


def candidates(n_jobs=1, seed=SEED):
    """The reference's candidate table, in registry order (n_jobs: rf/et, as our --threads)."""
    scaled = lambda est: Pipeline([("scale", StandardScaler()), ("clf", est)])
    return {
        "logreg_c1": lambda: scaled(LogisticRegression(C=1.0, max_iter=1000, random_state=seed)),
        "logreg_c10": lambda: scaled(LogisticRegression(C=10.0, max_iter=1000, random_state=seed)),
        "sgd_log": lambda: scaled(SGDClassifier(loss="log_loss", max_iter=200, tol=1e-3, random_state=seed)),
        "mlp_1h": lambda: scaled(MLPClassifier(hidden_layer_sizes=(256,), alpha=1e-4, max_iter=140,
                                               early_stopping=True, random_state=seed)),
        "mlp_2h": lambda: scaled(MLPClassifier(hidden_layer_sizes=(256, 96), alpha=1e-4, max_iter=140,
                                               early_stopping=True, random_state=seed)),
        "dt": lambda: DecisionTreeClassifier(max_depth=16, min_samples_leaf=2, random_state=seed),
        "rf": lambda: RandomForestClassifier(n_estimators=200, max_features="sqrt", min_samples_leaf=2,
                                             n_jobs=n_jobs, random_state=seed),
        "et": lambda: ExtraTreesClassifier(n_estimators=200, max_features="sqrt", min_samples_leaf=2,
                                           n_jobs=n_jobs, random_state=seed),
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


def blas_info():
    """The BLAS numpy (hence scikit-learn) loaded: library, version, kernel set."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for lib in threadpool_info() if lib.get("user_api") == "blas"]


def context(args, ours_binary):
    """Where and how the numbers were measured, for the JSON file."""
    cpu, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and cpu == "unknown":
                    cpu = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*cmd):
        try:
            return subprocess.run(["git", "-C", repo, *cmd], check=True, capture_output=True,
                                  text=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None
    try:
        load = list(os.getloadavg())
    except OSError:
        load = None
    return {
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "isa": {"avx2": "avx2" in flags, "fma": "fma" in flags, "avx512f": "avx512f" in flags},
        "threads": args.threads,
        "repeat": args.repeat,
        "thread_env": THREADS_ENV,
        "rf_et_n_jobs": args.threads,
        "loadavg_at_start": load,
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "git_revision": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "ours_binary": os.path.abspath(ours_binary) if ours_binary else None,
        "inputs": {k: os.path.abspath(getattr(args, k)) for k in ("train_x", "test_x", "train_y", "test_y")},
        "train_rows": args.train_rows,
        # OpenBLAS picks its kernels from the CPU unless OPENBLAS_CORETYPE names
        # them (scripts/blas_env.sh pins "Zen", the AVX2 kernels the committed
        # results use); both sides run under this same environment.
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        "numpy_blas": blas_info(),
    }


def write_json(path, ctx, tolerance, rows, complete):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"context": ctx, "tolerance_points": tolerance, "complete": complete, "results": rows}, f,
                  indent=2)
        f.write("\n")
    os.replace(tmp, path)


def run_ours(binary, paths, name, threads, seed):
    """Our fit of one model in a fresh process: (accuracy, macro F1, fit seconds, epochs, fit CPU seconds)."""
    cmd = [binary, "--compare", paths["train_x"], paths["train_y"], paths["test_x"], paths["test_y"],
           "--models", name, "--threads", str(threads), "--seed", str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ.copy()).stdout
    for line in out.splitlines()[1:]:
        fields = line.split("\t")
        if fields[0] == name:
            cpu = float(fields[5]) if len(fields) > 5 else float("nan")
            return float(fields[1]), float(fields[2]), float(fields[3]), int(fields[4]), cpu
    sys.exit(f"{binary}: no result line for {name}:\n{out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", help="prepared dataset dir with train.csv, test.csv, embeddings/")
    ap.add_argument("--embeddings", default="lsa768", help="embedding file stem under <dataset>/embeddings")
    ap.add_argument("--train-x"), ap.add_argument("--test-x")
    ap.add_argument("--train-y"), ap.add_argument("--test-y")
    ap.add_argument("--label-column", default="label")
    ap.add_argument("--models", default=",".join(candidates()), help="comma-separated subset")
    ap.add_argument("--ours", help="path to our bench_models binary (runs --compare)")
    ap.add_argument("--threads", type=int, default=1,
                    help="threads for both sides: ours, sklearn n_jobs (rf/et), BLAS (default 1)")
    ap.add_argument("--train-rows", type=int, help="use a seeded random subset of N training rows")
    ap.add_argument("--tolerance", type=float, default=1.5, help="allowed |ours - sklearn| in accuracy points")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any model is outside the tolerance")
    ap.add_argument("--json", help="write the rows and the context to this JSON file")
    ap.add_argument("--repeat", type=int, default=1,
                    help="paired rounds per model (ours, then scikit-learn's, back to back); times and the "
                         "speed-up are the medians over rounds, with the smallest and largest speed-up (default 1)")
    ap.add_argument("--seeds", type=int, default=1,
                    help="rounds with seeds 42, 43, ... (both sides: our --seed, scikit-learn's random_state), "
                         "for models whose cost is itself random (early stopping: the MLPs' epochs); the "
                         "speed-up is reported per seed, as the median and as total sklearn seconds / total "
                         "ours, accuracies as means over the seeds. Not with --repeat (default 1)")
    args = ap.parse_args()
    if args.repeat < 1:
        sys.exit(f"--repeat must be >= 1, got {args.repeat}")
    if args.seeds < 1:
        sys.exit(f"--seeds must be >= 1, got {args.seeds}")
    if args.seeds > 1 and args.repeat > 1:
        sys.exit("--seeds and --repeat are exclusive: each seeded round is one paired fit per side")
    round_seeds = [SEED + i for i in range(args.seeds)] if args.seeds > 1 else [SEED] * args.repeat

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
    if args.train_rows and args.train_rows < len(keep_tr):
        # a seeded random subset in file order (a prefix can miss classes when
        # the file is grouped, as CLINC150's train + val is)
        pick = np.sort(np.random.RandomState(0).permutation(len(keep_tr))[:args.train_rows])
        keep_tr = [keep_tr[i] for i in pick]
    keep_te = [i for i, v in enumerate(lte) if v != ""]
    classes = sorted(set(ltr[i] for i in keep_tr) | set(lte[i] for i in keep_te))
    index = {c: k for k, c in enumerate(classes)}
    Xtr, Xte = Xtr[keep_tr], Xte[keep_te]
    ytr = np.array([index[ltr[i]] for i in keep_tr], dtype=np.int64)
    yte = np.array([index[lte[i]] for i in keep_te], dtype=np.int64)
    print(f"train {Xtr.shape}, test {Xte.shape}, {len(classes)} classes, labels '{args.label_column}', "
          f"threads {args.threads} (both sides)")

    models = [m for m in args.models.split(",") if m]
    factories = candidates(n_jobs=args.threads)
    unknown = [m for m in models if m not in factories]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; known: {list(factories)}")
    ctx = context(args, args.ours)
    rows = []
    warnings.filterwarnings("ignore")
    print(f"{'model':<11} {'sklearn_acc':>11} {'ours_acc':>9} {'diff_pts':>8} {'sk_f1':>6} {'our_f1':>6} "
          f"{'sk_fit_s':>8} {'our_fit_s':>9} {'speedup':>7} {'sk_cpu_s':>8} {'our_cpu_s':>9} {'cpu_spd':>7}  within")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        if args.ours:
            # Labels as an (n, 1) float64 column: bench_models reads every file with
            # the project's own 2-D .npy reader (io/npy.hpp).
            for key, arr in (("train_x", Xtr), ("test_x", Xte), ("train_y", ytr.reshape(-1, 1).astype(np.float64)),
                             ("test_y", yte.reshape(-1, 1).astype(np.float64))):
                paths[key] = os.path.join(tmp, key + ".npy")
                np.save(paths[key], arr)
        for name in models:
            row = {"model": name}
            # Ours first, then scikit-learn's, model by model and round by round:
            # both fits of a round run back to back under the same machine load.
            rounds, failed = [], False
            for seed in round_seeds:
                rnd = {"seed": seed}
                if args.ours:
                    oacc, of1, osecs, epochs, ocpu = run_ours(args.ours, paths, name, args.threads, seed)
                    rnd.update(ours_accuracy=oacc, ours_macro_f1=of1, ours_fit_seconds=osecs, ours_epochs=epochs,
                               ours_fit_cpu_seconds=ocpu)
                est = candidates(n_jobs=args.threads, seed=seed)[name]()
                t0, c0 = time.perf_counter(), time.process_time()
                try:
                    est.fit(Xtr, ytr)
                except ValueError as exc:  # e.g. MLP early stopping: stratified split of a 1-row class
                    print(f"{name:<11} sklearn fit failed: {exc}"
                          + (f" | ours {rnd['ours_accuracy']:.4f}" if args.ours else ""), flush=True)
                    row.update(rnd)
                    row["sklearn_error"] = str(exc)
                    failed = True
                    break
                secs, cpu = time.perf_counter() - t0, time.process_time() - c0
                pred = est.predict(Xte)
                rnd.update(sklearn_accuracy=float((pred == yte).mean()), sklearn_macro_f1=float(macro_f1(yte, pred)),
                           sklearn_fit_seconds=secs, sklearn_fit_cpu_seconds=cpu)
                clf = est.steps[-1][1] if hasattr(est, "steps") else est
                if hasattr(clf, "n_iter_"):
                    rnd["sklearn_n_iter"] = int(np.max(clf.n_iter_))
                if args.ours:
                    rnd["speedup_wall"] = secs / max(rnd["ours_fit_seconds"], 1e-9)
                    rnd["speedup_cpu"] = cpu / max(rnd["ours_fit_cpu_seconds"], 1e-9)
                rounds.append(rnd)
            if failed:
                rows.append(row)
                continue
            if args.seeds == 1:
                # Both sides are seeded: every round must fit the same models. A
                # difference is reported, not averaged away.
                for key in ("sklearn_accuracy", "ours_accuracy"):
                    if key in rounds[0] and any(r[key] != rounds[0][key] for r in rounds):
                        print(f"{name:<11} WARNING: {key} differs between rounds: {[r[key] for r in rounds]}")
                        row["rounds_disagree"] = True
            row.update(rounds[0])
            row.pop("seed")
            for key in ("sklearn_fit_seconds", "sklearn_fit_cpu_seconds", "ours_fit_seconds", "ours_fit_cpu_seconds",
                        "speedup_wall", "speedup_cpu", "ours_epochs", "sklearn_n_iter"):
                if key in rounds[0]:
                    row[key] = float(np.median([r[key] for r in rounds]))
            if args.seeds > 1:
                row["seeds"] = round_seeds
                for key in ("sklearn_accuracy", "sklearn_macro_f1", "ours_accuracy", "ours_macro_f1"):
                    if key in rounds[0]:
                        row[key] = float(np.mean([r[key] for r in rounds]))
                if args.ours:
                    row["speedup_total"] = (sum(r["sklearn_fit_seconds"] for r in rounds)
                                            / max(sum(r["ours_fit_seconds"] for r in rounds), 1e-9))
            if len(rounds) > 1:
                row["rounds"] = rounds
                if args.ours:
                    row["speedup_wall_min"] = min(r["speedup_wall"] for r in rounds)
                    row["speedup_wall_max"] = max(r["speedup_wall"] for r in rounds)
            acc, f1 = row["sklearn_accuracy"], row["sklearn_macro_f1"]
            secs, cpu = row["sklearn_fit_seconds"], row["sklearn_fit_cpu_seconds"]
            if args.ours:
                diff = 100.0 * (row["ours_accuracy"] - acc)
                worst = max(worst, abs(diff))
                speedup, cpu_speedup = row["speedup_wall"], row["speedup_cpu"]
                row.update(diff_points=diff, within_tolerance=abs(diff) <= args.tolerance)
                ok = "yes" if abs(diff) <= args.tolerance else "NO"
                spread = (f"  ({row['speedup_wall_min']:.2f}x-{row['speedup_wall_max']:.2f}x over {len(rounds)}"
                          + (f" seeds, total {row['speedup_total']:.2f}x" if args.seeds > 1 else "") + ")"
                          if len(rounds) > 1 else "")
                print(f"{name:<11} {acc:>11.4f} {row['ours_accuracy']:>9.4f} {diff:>+8.2f} {f1:>6.3f} "
                      f"{row['ours_macro_f1']:>6.3f} {secs:>8.2f} {row['ours_fit_seconds']:>9.2f} "
                      f"{speedup:>6.1f}x {cpu:>8.2f} {row['ours_fit_cpu_seconds']:>9.2f} {cpu_speedup:>6.1f}x  {ok}{spread}",
                      flush=True)
            else:
                print(f"{name:<11} {acc:>11.4f} {'':>9} {'':>8} {f1:>6.3f} {'':>6} {secs:>8.2f}", flush=True)
            rows.append(row)
            write_json(args.json, ctx, args.tolerance, rows, complete=False)  # a killed run keeps its rows
    try:
        ctx["loadavg_at_end"] = list(os.getloadavg())
    except OSError:
        pass
    if args.ours:
        print(f"largest |difference|: {worst:.2f} points (tolerance {args.tolerance})")
    write_json(args.json, ctx, args.tolerance, rows, complete=True)
    if args.json:
        print(f"wrote {args.json}")
    if args.ours and args.strict and worst > args.tolerance:
        sys.exit(1)


if __name__ == "__main__":
    main()
