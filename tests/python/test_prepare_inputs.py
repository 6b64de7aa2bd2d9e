"""Unit tests for scripts/prepare_inputs.py (stdlib unittest; run: python3 <this file>).

The plan it derives from the experiments' paths must cover every committed experiment,
and the first command (scripts/setup_and_run.sh) must prepare exactly what its main job
reads: Banking77's trace tables and LSA-768 embeddings, nothing else.
"""
import contextlib
import glob
import importlib.util
import io
import os
import re
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("prepare_inputs", os.path.join(REPO, "scripts", "prepare_inputs.py"))
pi = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pi)


def write_toml(folder, body):
    path = os.path.join(folder, "exp.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    return path


class PlanTest(unittest.TestCase):
    def test_every_committed_experiment_is_covered_by_prepare_all(self):
        all_ds, all_emb = pi.plan([], everything=True)
        tomls = sorted(glob.glob(os.path.join(REPO, "experiments", "*.toml")))
        self.assertTrue(tomls)
        for t in tomls:
            ds, emb = pi.plan([t], everything=False)
            self.assertTrue(ds, t)
            self.assertLessEqual(set(ds), set(all_ds), t)
            self.assertLessEqual(set(emb), set(all_emb), t)

    def test_main_job_needs_banking77_lsa768_only(self):
        ds, emb = pi.plan([os.path.join(REPO, "experiments", "banking77.toml")], everything=False)
        self.assertEqual(ds, ["banking77"])
        self.assertEqual(emb, ["banking77/lsa768"])
        self.assertFalse(pi.needs_glove(emb))

    def test_glove_only_when_a_glove_embedding_is_read(self):
        _, emb = pi.plan([os.path.join(REPO, "experiments", "encoders_banking77.toml")], everything=False)
        self.assertIn("banking77/glove-sif", emb)
        self.assertTrue(pi.needs_glove(emb))

    def test_setup_and_run_prepares_and_runs_the_same_config(self):
        with open(os.path.join(REPO, "scripts", "setup_and_run.sh"), encoding="utf-8") as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^MAIN=experiments/banking77\.toml$")
        self.assertRegex(text, r'(?m)^step data python3 scripts/prepare_inputs\.py "\$MAIN"$')
        self.assertRegex(text, r'(?m)^step run build/tracer-bench "\$MAIN"$')
        self.assertRegex(text, r"(?m)^step packages bash scripts/install_deps\.sh --main$")
        self.assertRegex(text, r"(?m)^step build bash scripts/build\.sh --main-only$")

    def test_unknown_embedding_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            emb = os.path.join(REPO, "prepared", "banking77", "embeddings", "bge_train.npy")
            t = write_toml(d, f'[data]\ntrain = "{REPO}/prepared/banking77/train.csv"\n'
                              f'[[encoders]]\nname = "bge"\ntrain = "{emb}"\n')
            with self.assertRaisesRegex(pi.InputError, "no preparation for 'banking77/bge'"):
                pi.needs_of(t)
            with contextlib.redirect_stderr(io.StringIO()) as err:
                self.assertEqual(pi.main([t, "--plan"]), 2)
            self.assertIn("bge", err.getvalue())

    def test_paths_outside_prepared_are_the_users(self):
        with tempfile.TemporaryDirectory() as d:
            t = write_toml(d, '[data]\ntrain = "mine/train.csv"\n'
                              '[[encoders]]\nname = "bge"\ntrain = ["mine/bge_train.npy"]\n')
            self.assertEqual(pi.needs_of(t), ([], []))

    def test_unknown_dataset_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            t = write_toml(d, f'[data]\ntrain = "{REPO}/prepared/sst2/train.csv"\n')
            with self.assertRaisesRegex(pi.InputError, "sst2"):
                pi.needs_of(t)

    def test_install_deps_main_is_a_subset_without_test_packages(self):
        with open(os.path.join(REPO, "scripts", "install_deps.sh"), encoding="utf-8") as f:
            text = f.read()

        def packages(array):
            body = re.search(array + r"=\((.*?)\n\)", text, re.S).group(1)
            return {w for line in body.splitlines() for w in line.split("#")[0].split()}

        main, dev = packages("MAIN_PACKAGES"), packages("DEV_PACKAGES")
        self.assertIn("libarmadillo-dev", main)
        self.assertFalse(main & dev)
        self.assertFalse({"libgtest-dev", "googletest", "libbenchmark-dev", "clang-format"} & main)


if __name__ == "__main__":
    unittest.main()
