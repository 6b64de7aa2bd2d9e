"""Unit tests for data_scripts/prepare_data.py (stdlib unittest; run: python3 <this file>).

Hand-made inputs in a temp dir cover quoting, normalisation, teacher joins, out-of-set labels,
error exits and determinism. If the real data (../shared/data from the repo root) exists,
the pinned sha256s are checked against SOURCE.md and Banking77 is prepared for real.
"""
import contextlib
import csv
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "data_scripts", "prepare_data.py")
REAL_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")

_spec = importlib.util.spec_from_file_location("prepare_data", SCRIPT)
pd = importlib.util.module_from_spec(_spec)
sys.modules["prepare_data"] = pd      # dataclasses look the module up while it loads
_spec.loader.exec_module(pd)


def write(root, rel, content, newline=""):
    path = os.path.join(root, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline=newline) as f:
        f.write(content)


def make_banking(root, train_header="text,category"):
    # CRLF records, an embedded newline and a doubled quote inside a quoted field,
    # and a text that duplicates another one after normalisation.
    write(root, "banking77/train.csv",
          f"{train_header}\r\n"
          "I am still waiting on my card?,card_arrival\r\n"
          "\"Hello \"\"world\"\"\n  there\",card_arrival\r\n"
          "\"Lost, my card\",lost_or_stolen_card\r\n"
          "\"\nLost, my card\",lost_or_stolen_card\r\n")
    write(root, "banking77/test.csv",
          "text,category\r\n"
          "Where is my card?,card_arrival\r\n"
          "\"I lost  my\tcard\u00a0\",lost_or_stolen_card\r\n")
    write(root, "banking77/categories.json", '["card_arrival", "lost_or_stolen_card"]')
    oc = "teachers/ocats-gpt4-banking77"
    write(root, f"{oc}/hf_label_ids.derived.json", '{"0": "card_arrival", "1": "lost_or_stolen_card"}')
    write(root, f"{oc}/test.csv",
          "text,label,gpt-label\n"
          "Where is my card?,0,0\n"
          "I lost  my\tcard\u00a0,1,7\n")          # id 7 does not exist: kept as said
    write(root, f"{oc}/dev.csv", "text,label,gpt-label\nI am still waiting on my card?,0,1\n")
    write(root, f"{oc}/prompt_demos_train.csv",
          "text,label_name,label\n\"Lost, my card\",lost_or_stolen_card,1\n")
    write(root, "teachers/llm-trust-lens-small-llms/"
                "banking77_all13083_llama3.2-3b_zeroshot_round1.csv",
          "text,label,dataset,split,predicted,confidence\n"
          "I am still waiting on my card?,card_arrival,banking,train,not_a_label,0.9\n"
          "\"Hello \"\"world\"\" there\",card_arrival,banking,dev, card_arrival ,0.9\n"
          "\"Lost, my card\",lost_or_stolen_card,banking,train,\"card_arrival\n\nWait\",0.9\n"
          "Where is my card?,card_arrival,banking,test,card_arrival,0.9\n")


def run_main(*args):
    out = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = pd.main(list(args))
    return rc, out.getvalue(), err.getvalue()


def run_cli(*args, cwd=REPO):
    p = subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class NormalisationTest(unittest.TestCase):
    def test_whitespace_runs_collapse_and_ends_strip(self):
        self.assertEqual(pd.normalize_text("\n  Hello\t\tWorld \r\n"), "Hello World")
        self.assertEqual(pd.normalize_text("a\u00a0\u2028b\u3000c"), "a b c")
        self.assertEqual(pd.normalize_text("Keep CASE, punctuation!"), "Keep CASE, punctuation!")
        self.assertEqual(pd.normalize_text(" \t\n"), "")

    def test_csv_line_quotes_every_field(self):
        self.assertEqual(pd.csv_line(["a", 'say "hi"', ""]), '"a","say ""hi""",""\n')
        with self.assertRaises(AssertionError):
            pd.csv_line(["line\nbreak"])


class BankingSmallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "src")
        self.out = os.path.join(self.tmp.name, "out")
        make_banking(self.src)

    def tearDown(self):
        self.tmp.cleanup()

    def prepare(self, out=None):
        rc, _, err = run_main("--source", self.src, "--out", out or self.out,
                              "--datasets", "banking77", "--skip-pins")
        self.assertEqual(rc, 0, err)
        return os.path.join(out or self.out, "banking77")

    def test_quoted_crlf_input_gives_single_line_records(self):
        d = self.prepare()
        raw = read_bytes(os.path.join(d, "train.csv"))
        self.assertNotIn(b"\r", raw)
        lines = raw.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "")
        self.assertEqual(len(lines) - 1, 4 + 1)      # rows + header, one physical line each
        self.assertEqual(lines[0], '"id","text","label","teacher_gpt4_fewshot",'
                                   '"teacher_llama32_3b_zeroshot"')
        self.assertEqual(lines[1], '"banking77-train-000000","I am still waiting on my card?",'
                                   '"card_arrival","lost_or_stolen_card","not_a_label"')
        self.assertEqual(lines[2], '"banking77-train-000001","Hello ""world"" there",'
                                   '"card_arrival","","card_arrival"')
        # the two "Lost, my card" rows differ only in whitespace; the exact text wins
        self.assertEqual(lines[3], '"banking77-train-000002","Lost, my card",'
                                   '"lost_or_stolen_card","","card_arrival Wait"')
        self.assertEqual(lines[4], '"banking77-train-000003","Lost, my card",'
                                   '"lost_or_stolen_card","",""')
        with open(os.path.join(d, "train.csv"), newline="", encoding="utf-8") as f:
            recs = list(csv.reader(f))
        self.assertEqual(recs[2][1], 'Hello "world" there')
        test_lines = read_bytes(os.path.join(d, "test.csv")).decode("utf-8").splitlines()
        self.assertEqual(test_lines[2], '"banking77-test-000001","I lost my card",'
                                        '"lost_or_stolen_card","7",""')
        self.assertEqual(read_bytes(os.path.join(d, "labels.txt")),
                         b"card_arrival\nlost_or_stolen_card\n")

    def test_report_counts_normalisation_out_of_set_and_sources(self):
        d = self.prepare()
        rep = json.loads(read_bytes(os.path.join(d, "PREPARED.json")))
        self.assertFalse(rep["pins_verified"])
        self.assertEqual(rep["splits"]["train"]["rows"], 4)
        self.assertEqual(rep["splits"]["train"]["normalisation"]["text_changed"], 2)
        self.assertEqual(rep["splits"]["train"]["normalisation"]["text_had_line_break"], 2)
        self.assertEqual(rep["splits"]["test"]["normalisation"]["text_changed"], 1)
        llama = rep["teachers"]["teacher_llama32_3b_zeroshot"]
        self.assertEqual(llama["labels_outside_set"]["total"], 2)
        self.assertEqual(llama["labels_outside_set"]["top"],
                         [["card_arrival Wait", 1], ["not_a_label", 1]])
        self.assertEqual(llama["join"]["labels_with_surrounding_whitespace_trimmed"], 1)
        self.assertEqual(llama["join"]["labels_with_interior_whitespace_collapsed"], 1)
        self.assertEqual(llama["join"]["matched"], {"exact_text": 3, "normalised_text": 1})
        self.assertEqual(llama["splits"]["train"]["covered"], 3)
        self.assertEqual(llama["splits"]["train"]["correct"], 1)
        self.assertEqual(llama["splits"]["train"]["labels_outside_set"], 2)
        gpt = rep["teachers"]["teacher_gpt4_fewshot"]
        self.assertEqual(gpt["unmapped_label_ids_kept_as_said"], {"7": 1})
        self.assertEqual(gpt["splits"]["test"]["accuracy_pct"], 50.0)
        self.assertEqual(gpt["prompt_demos"]["ids"], ["banking77-train-000002"])
        self.assertIn("banking77/train.csv", rep["sources"])
        self.assertEqual(rep["outputs"]["train.csv"]["sha256"],
                         pd.hashlib.sha256(read_bytes(os.path.join(d, "train.csv"))).hexdigest())

    def test_deterministic_and_atomic(self):
        d1 = self.prepare(os.path.join(self.tmp.name, "o1"))
        d2 = self.prepare(os.path.join(self.tmp.name, "o2"))
        first = {n: read_bytes(os.path.join(d1, n)) for n in sorted(os.listdir(d1))}
        self.prepare(os.path.join(self.tmp.name, "o1"))    # rerun into the same folder
        for name in ("train.csv", "test.csv", "labels.txt", "PREPARED.json"):
            self.assertEqual(first[name], read_bytes(os.path.join(d2, name)), name)
            self.assertEqual(first[name], read_bytes(os.path.join(d1, name)), name)
        self.assertEqual(sorted(os.listdir(d1)),
                         ["PREPARED.json", "labels.txt", "test.csv", "train.csv"])

    def test_missing_column_exits_2_and_names_it(self):
        make_banking(self.src, train_header="text,intent")
        rc, _, err = run_cli("--source", self.src, "--out", self.out,
                             "--datasets", "banking77", "--skip-pins")
        self.assertEqual(rc, 2, err)
        self.assertIn("'category'", err)
        self.assertIn("train.csv", err)
        self.assertFalse(os.path.exists(self.out))        # nothing written on failure

    def test_pins_are_enforced_without_skip_pins(self):
        rc, _, err = run_cli("--source", self.src, "--out", self.out, "--datasets", "banking77")
        self.assertEqual(rc, 2, err)
        self.assertIn("sha256 mismatch", err)
        self.assertIn("banking77", err)

    def test_missing_file_exits_2(self):
        os.remove(os.path.join(self.src, "banking77", "test.csv"))
        rc, _, err = run_main("--source", self.src, "--out", self.out,
                              "--datasets", "banking77", "--skip-pins")
        self.assertEqual(rc, 2)
        self.assertIn("missing source file", err)
        self.assertIn("test.csv", err)


class ClincMnliSmallTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.src = os.path.join(self.tmp.name, "src")
        self.out = os.path.join(self.tmp.name, "out")

    def tearDown(self):
        self.tmp.cleanup()

    def test_clinc_train_is_train_then_val_oos_excluded_gold_disambiguates(self):
        data = {"train": [["what is on my to do list", "todo_list"], ["set an alarm", "alarm"],
                          ["remind me to call", "reminder"]],
                "val": [["what is on my to do list", "reminder"], ["alarm at 6", "alarm"],
                        ["my todo", "todo_list"]],
                "test": [["wake me at 7", "alarm"], ["remind me", "reminder"], ["todo", "todo_list"]],
                "oos_train": [["how is glue made", "oos"]], "oos_val": [], "oos_test": []}
        write(self.src, "clinc150/data_full.json", json.dumps(data))
        teacher = [{"Index": 0, "text": "what is on my to do list", "label": "reminder",
                    "split": "dev", "predicted": "reminder"},
                   {"Index": 1, "text": "what is on my to do list", "label": "todo_list",
                    "split": "train", "predicted": "shopping_list"},
                   {"Index": 2, "text": "how is glue made", "label": "oos", "split": "test",
                    "predicted": "oos"}]
        for rel in pd.CLINC_LLAMA:
            write(self.src, rel, json.dumps(teacher if "part0" in rel else []))
        rc, _, err = run_main("--source", self.src, "--out", self.out, "--datasets", "clinc150",
                              "--skip-pins")
        self.assertEqual(rc, 0, err)
        d = os.path.join(self.out, "clinc150")
        lines = read_bytes(os.path.join(d, "train.csv")).decode().splitlines()
        self.assertEqual([ln.split(",")[0] for ln in lines[1:]],
                         ['"clinc150-train-000000"', '"clinc150-train-000001"',
                          '"clinc150-train-000002"', '"clinc150-val-000000"',
                          '"clinc150-val-000001"', '"clinc150-val-000002"'])
        self.assertTrue(lines[1].endswith('"todo_list","shopping_list"'))
        self.assertTrue(lines[4].endswith('"reminder","reminder"'))
        self.assertTrue(lines[2].endswith('"alarm",""'))
        self.assertEqual(read_bytes(os.path.join(d, "labels.txt")), b"alarm\nreminder\ntodo_list\n")
        rep = json.loads(read_bytes(os.path.join(d, "PREPARED.json")))
        self.assertEqual(rep["excluded"], {"oos_train": 1, "oos_val": 0, "oos_test": 0})
        self.assertEqual(rep["teachers"]["teacher_llama32_3b_zeroshot"]["join"]
                         ["matched_to_excluded_rows"], 1)

    def test_mnli_union_dedup_and_dash_rows(self):
        write(self.src, "mnli/train_10000_split.tsv",
              "label\tpremise\thypothesis\tpairID\tgenre\n"
              "neutral\tA  man.\tA person \t1n\tslate\n"
              "entailment\tSay \"hi\".\tHi.\t2e\tslate\n")
        write(self.src, "mnli/train_10k_split.tsv",
              "label\tpremise\thypothesis\n"
              "neutral\tA man.\tA person\n"               # duplicate after normalisation
              "contradiction\tA man.\tA person\n")       # same pair, other label: kept
        write(self.src, "mnli/dev_matched.tsv",
              "label\tpremise\thypothesis\tpairID\tgenre\n"
              "-\tNo consensus.\tNone.\t3\tfiction\n"
              "entailment\tP.\tH.\t4\tfiction\n")
        rc, _, err = run_main("--source", self.src, "--out", self.out, "--datasets", "mnli",
                              "--skip-pins")
        self.assertEqual(rc, 0, err)
        d = os.path.join(self.out, "mnli")
        train = read_bytes(os.path.join(d, "train.csv")).decode().splitlines()
        self.assertEqual(train, [
            '"id","text","text_b","label"',
            '"mnli-train_10000_split-000000","A man.","A person","neutral"',
            '"mnli-train_10000_split-000001","Say ""hi"".","Hi.","entailment"',
            '"mnli-train_10k_split-000001","A man.","A person","contradiction"'])
        test = read_bytes(os.path.join(d, "test.csv")).decode().splitlines()
        self.assertEqual(test[1:], ['"mnli-dev_matched-000001","P.","H.","entailment"'])
        rep = json.loads(read_bytes(os.path.join(d, "PREPARED.json")))
        self.assertEqual(rep["excluded"]["gold_label_dash_rows"]["dev_matched"], 1)
        self.assertEqual(rep["excluded"]["duplicate_train_triples_dropped"],
                         {"train_10k_split": 1})
        self.assertEqual(rep["train_pairs_with_conflicting_labels"], 1)
        self.assertEqual(read_bytes(os.path.join(d, "labels.txt")),
                         b"entailment\nneutral\ncontradiction\n")


@unittest.skipUnless(os.path.isdir(REAL_DATA), "real data not present at ../shared/data")
class RealDataTest(unittest.TestCase):
    def test_pinned_sha256_match_source_md(self):
        for rel, digest in pd.PINNED_SHA256.items():
            folder = os.path.join(REAL_DATA, *rel.split("/"))
            found = False
            while not found and len(folder) > len(REAL_DATA):
                folder = os.path.dirname(folder)
                md = os.path.join(folder, "SOURCE.md")
                if os.path.isfile(md):
                    with open(md, encoding="utf-8") as f:
                        found = digest in f.read()
            self.assertTrue(found, f"{rel}: pinned sha256 not found in its SOURCE.md")

    def test_real_banking77(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, _, err = run_cli("--source", REAL_DATA, "--out", tmp, "--datasets", "banking77")
            self.assertEqual(rc, 0, err)
            d = os.path.join(tmp, "banking77")
            rep = json.loads(read_bytes(os.path.join(d, "PREPARED.json")))
            self.assertTrue(rep["pins_verified"])
            for split, n in (("train", 10003), ("test", 3080)):
                self.assertEqual(rep["splits"][split]["rows"], n)
                raw = read_bytes(os.path.join(d, f"{split}.csv"))
                self.assertEqual(raw.count(b"\n"), n + 1)
            gpt = rep["teachers"]["teacher_gpt4_fewshot"]["splits"]
            self.assertEqual((gpt["test"]["covered"], gpt["test"]["correct"]), (3080, 2558))
            self.assertEqual((gpt["train"]["covered"], gpt["train"]["correct"]), (1001, 812))
            llama = rep["teachers"]["teacher_llama32_3b_zeroshot"]["splits"]
            self.assertEqual(llama["train"]["covered"] + llama["test"]["covered"], 13083)
            self.assertEqual(len(read_bytes(os.path.join(d, "labels.txt")).splitlines()), 77)


if __name__ == "__main__":
    unittest.main()
