#!/usr/bin/env python3
"""Tests for scripts/compare_results.py (stdlib unittest; ctest runs them)."""
import contextlib
import io
import json
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import compare_results as cr  # noqa: E402

ALPHA_SWEEP = (
    "encoder,teacher,pool_size,alpha,test_handled,coverage,teacher_agreement\n"
    "lsa,gt,2000,0.8,120,0.12222222222222222,0.9166666666666666\n"
    "lsa,gt,2000,0.85,100,0.1,0.95\n"
)
MANIFEST = {
    "tool": "tracer-bench",
    "tool_version": "0.2.0",
    "git_revision": "aaaa",
    "experiment": "x",
    "resolved_config_toml": "[experiment]\nname = 'x'\noutput_dir = '../results/x'\n",
    "inputs": [{"role": "train_table", "path": "../prepared/x/train.csv", "sha256": "11" * 32}],
    "libraries": {"compiler": "12.2.0"},
    "result_files": ["alpha_sweep.csv"],
}


class CompareDirs(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="compare_results_test_"))
        self.a, self.b = self.tmp / "committed", self.tmp / "regenerated"
        self.a.mkdir()
        (self.a / "plots").mkdir()
        (self.a / "alpha_sweep.csv").write_text(ALPHA_SWEEP)
        (self.a / "manifest.json").write_text(json.dumps(MANIFEST, indent=2))
        (self.a / "report.md").write_text("| alpha | coverage |\n|---|---|\n| 0.8 | 12.2% |\n| n | 120 |\n")
        (self.a / "plots" / "c.dat").write_text("# alpha cov\n0.8 12.2222 0.916667\n0.85 10 NaN\n")
        (self.a / "plots" / "c.png").write_bytes(b"\x89PNG one")
        (self.a / "timings.json").write_text('{"total": 1.5}')
        shutil.copytree(self.a, self.b)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_compare(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cr.compare_dirs(self.a, self.b)
        return status, out.getvalue()

    def edit(self, rel, old, new):
        p = self.b / rel
        text = p.read_text()
        self.assertIn(old, text)
        p.write_text(text.replace(old, new, 1))

    def test_identical_passes(self):
        self.assertEqual(self.run_compare()[0], 0)

    def test_alpha_changed_in_csv_fails(self):
        self.edit("alpha_sweep.csv", "lsa,gt,2000,0.8,", "lsa,gt,2000,0.9,")
        status, out = self.run_compare()
        self.assertEqual(status, 1)
        self.assertIn("column alpha", out)

    def test_blas_noise_in_csv_is_tolerated(self):
        self.edit("alpha_sweep.csv", "0.12222222222222222", "0.12222222222222227")
        self.assertEqual(self.run_compare()[0], 0)

    def test_csv_count_and_text_must_match(self):
        self.edit("alpha_sweep.csv", ",120,", ",121,")
        self.assertEqual(self.run_compare()[0], 1)
        self.setUp_again()
        self.edit("alpha_sweep.csv", "lsa,gt,2000,0.85", "lsa,gX,2000,0.85")
        self.assertEqual(self.run_compare()[0], 1)

    def setUp_again(self):
        shutil.rmtree(self.b)
        shutil.copytree(self.a, self.b)

    def test_small_relative_change_in_csv_fails(self):
        self.edit("alpha_sweep.csv", "0.9166666666666666", "0.9166766666666666")  # 1e-5 relative
        self.assertEqual(self.run_compare()[0], 1)

    def test_missing_file_fails(self):
        (self.b / "plots" / "c.dat").unlink()
        status, out = self.run_compare()
        self.assertEqual(status, 1)
        self.assertIn("plots/c.dat: missing", out)

    def test_extra_file_fails(self):
        (self.b / "plots" / "new.dat").write_text("1 2\n")
        status, out = self.run_compare()
        self.assertEqual(status, 1)
        self.assertIn("plots/new.dat: not in the committed results", out)

    def test_missing_png_fails_but_its_pixels_are_not_compared(self):
        (self.b / "plots" / "c.png").write_bytes(b"\x89PNG two")
        self.assertEqual(self.run_compare()[0], 0)
        (self.b / "plots" / "c.png").unlink()
        self.assertEqual(self.run_compare()[0], 1)

    def test_timings_are_skipped(self):
        (self.b / "timings.json").write_text('{"total": 99}')
        self.assertEqual(self.run_compare()[0], 0)
        (self.b / "timings.json").unlink()
        self.assertEqual(self.run_compare()[0], 0)

    def test_changed_input_checksum_fails(self):
        m = dict(MANIFEST, inputs=[dict(MANIFEST["inputs"][0], sha256="22" * 32)])
        (self.b / "manifest.json").write_text(json.dumps(m, indent=2))
        status, out = self.run_compare()
        self.assertEqual(status, 1)
        self.assertIn("sha256", out)

    def test_manifest_version_revision_and_output_dir_are_not_compared(self):
        m = dict(MANIFEST, tool_version="0.3.0", git_revision="bbbb", libraries={"compiler": "13"},
                 git_describe="v0.3.0-2-gbbbb", git_dirty=True,
                 resolved_config_toml="[experiment]\nname = 'x'\noutput_dir = '/tmp/out'\n",
                 inputs=[dict(MANIFEST["inputs"][0], path="/elsewhere/train.csv")])
        (self.b / "manifest.json").write_text(json.dumps(m, indent=2))
        self.assertEqual(self.run_compare()[0], 0)

    def test_dat_files_are_compared(self):
        self.edit("plots/c.dat", "0.8 12.2222", "0.9 12.2222")
        self.assertEqual(self.run_compare()[0], 1)
        self.setUp_again()
        self.edit("plots/c.dat", "12.2222", "12.2223")  # one unit of the 6th significant digit
        self.assertEqual(self.run_compare()[0], 0)
        self.setUp_again()
        self.edit("plots/c.dat", "12.2222", "12.2225")
        self.assertEqual(self.run_compare()[0], 1)

    def test_markdown_last_digit_rule_only_for_rounded_values(self):
        self.edit("report.md", "12.2%", "12.3%")
        self.assertEqual(self.run_compare()[0], 0)
        self.setUp_again()
        self.edit("report.md", "| 120 |", "| 121 |")
        self.assertEqual(self.run_compare()[0], 1)

    def test_json_numbers_and_keys(self):
        (self.a / "artifact.json").write_text('{"ta": 0.95, "n": 3, "ok": true}')
        (self.b / "artifact.json").write_text('{"ta": 0.9500000000001, "n": 3, "ok": true}')
        self.assertEqual(self.run_compare()[0], 0)
        (self.b / "artifact.json").write_text('{"ta": 0.96, "n": 3, "ok": true}')
        self.assertEqual(self.run_compare()[0], 1)
        (self.b / "artifact.json").write_text('{"ta": 0.95, "n": 3, "ok": true, "new": 1}')
        self.assertEqual(self.run_compare()[0], 1)


class CheckConfigs(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="compare_results_cfg_"))
        (self.tmp / "experiments").mkdir()
        (self.tmp / "results" / "a").mkdir(parents=True)
        (self.tmp / "results" / "b").mkdir()
        (self.tmp / "experiments" / "a.toml").write_text('[experiment]\nname = "a"\noutput_dir = "../results/a"\n')
        (self.tmp / "experiments" / "b.toml").write_text('[experiment]\nname = "b"\n')  # default output_dir

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def check(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = cr.check_configs(self.tmp / "experiments", self.tmp / "results")
        return status, out.getvalue()

    def test_every_folder_has_a_config(self):
        self.assertEqual(self.check()[0], 0)

    def test_stale_folder_fails(self):
        (self.tmp / "results" / "old_run").mkdir()
        status, out = self.check()
        self.assertEqual(status, 1)
        self.assertIn("old_run", out)

    def test_config_without_results_fails(self):
        (self.tmp / "experiments" / "c.toml").write_text('[experiment]\nname = "c"\n')
        status, out = self.check()
        self.assertEqual(status, 1)
        self.assertIn("c.toml", out)

    def test_a_study_in_progress_needs_no_results_yet(self):
        (self.tmp / "experiments" / "c.toml").write_text('[experiment]\nname = "c"\n')
        (self.tmp / "units" / "c").mkdir(parents=True)
        (self.tmp / "units" / "c" / "IN_PROGRESS").write_text("12 of 50 units\n")
        status, out = self.check()
        self.assertEqual(status, 0, out)

    def test_the_repository_is_consistent(self):
        if not (ROOT / "results").is_dir():
            self.skipTest("no results/")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(cr.check_configs(ROOT / "experiments", ROOT / "results"), 0, out.getvalue())


class CommandLine(unittest.TestCase):
    def test_usage(self):
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(cr.main(["compare_results.py"]), 2)
            self.assertEqual(cr.main(["compare_results.py", "--bogus", "x"]), 2)


if __name__ == "__main__":
    unittest.main()
