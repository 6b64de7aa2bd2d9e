#!/usr/bin/env python3
"""Build the canonical trace tables for tracer-bench (stdlib only, Python >= 3.11).

    python3 data_scripts/prepare_data.py [--source ../shared/data] [--out prepared]
                                         [--datasets banking77,clinc150,mnli] [--skip-pins]

For every dataset it writes, under <out>/<dataset>/:
    train.csv, test.csv   the trace tables (format: docs/data_format.md)
    labels.txt            the canonical label set, one per line, canonical order
    PREPARED.json         counts, teacher coverage/accuracy, out-of-set labels,
                          normalisation counts, sha256 of every source and output

Exit codes: 0 success, 2 data error (missing file / column, wrong sha256 / count /
accuracy; the message names the file and what was expected), 1 internal bug.

Everything is deterministic: the same inputs give byte-identical outputs. Every output
file is written atomically (temp file in the same folder + os.replace).
"""
from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import io
import json
import lzma
import os
import sys
import tempfile
from dataclasses import dataclass, field

SCRIPT_VERSION = "1.0.0"
FORMAT_VERSION = "tracer-bench trace table v1 (docs/data_format.md)"
DEFAULT_DATASETS = ("banking77", "clinc150", "mnli")
ACCURACY_TOLERANCE_POINTS = 0.1
TOP_OFFENDERS = 10

# sha256 of every source file this script reads, copied from the SOURCE.md next to
# each file (tests/python/test_prepare_data.py checks they still occur there).
PINNED_SHA256 = {
    "banking77/train.csv": "b06e26ac675513959a63135f11b94ea7786ed02da65db93a5650d8838cbc664b",
    "banking77/test.csv": "d12d6e3bc4c3103966ae786dc435913c0c563dfa328f5a3646d0e62cfeeb474d",
    "banking77/categories.json": "53261da888122daf2d120d925458631d9619e15d82e56052e7a42e535ce32b63",
    "clinc150/data_full.json": "36923c3705a59e08fe9c3883d8bc2dd966ef93e22cb78ac41171782a698d56e0",
    "clinc150/domains.json": "b947b579d3b8e74b06f93b01083d8efaff2888b43a3e362533bd88a6e1211b3a",
    "mnli/train_10000_split.tsv": "a0df6becbb405d4e9bcd35b93c0ed7f6deb7a0dcc4beda7b4c069ec5e47eb6ae",
    "mnli/train_10k_split.tsv": "fadec5d4de7508c1edfa6343f3bba710af6cb677cf36393e0abc34bd3d7f2c6a",
    "mnli/dev_matched.tsv": "d79b5b65f2357771d31bcb20333c6d0d68e5be9c5200dc7ae449e597e9a4f662",
    "mnli/orig/shmuelamar+hypenymy/mnli_dev_matched.jsonl.xz":
        "757fd79543cff67c8fa26673782d648e2bd2f892b1baba87af618c24cfeb1184",
    "teachers/ocats-gpt4-banking77/test.csv":
        "a11f6bc990121b19f55b8cba0d0f3dcf54fa8bb962b16ee3b97342b580bf74c3",
    "teachers/ocats-gpt4-banking77/dev.csv":
        "4318d9f7890bb91c4fdd3ea4d713a40fa4f8c5fad96b2cc86c702738a62beed6",
    "teachers/ocats-gpt4-banking77/hf_label_ids.derived.json":
        "17f5c1301d9afd2cda40dbea21fa52041816a45720ddb0213bf0660fa24c48df",
    "teachers/ocats-gpt4-banking77/prompt_demos_train.csv":
        "a204f6c17a581379b604e0a45f98f47d8f40b18176edb00f1833454d7546dcc3",
    "teachers/llm-trust-lens-small-llms/banking77_all13083_llama3.2-3b_zeroshot_round1.csv":
        "7dcf64236b5b42c6b73192fd8cb863e323384c97835808e0c9115a3ab14116e7",
    "teachers/llm-trust-lens-small-llms/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part0_11850.json":
        "06db6e19e279c42433555572cb11bfe9bc8505414c76c3a70d1cac9b64a43972",
    "teachers/llm-trust-lens-small-llms/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part11850_23699.json":
        "b0d5cdbece753c47c20440238258820b7cbbe308e920894efb925ec56d49bffb",
}

# Counts stated in the SOURCE.md files (checked unless --skip-pins).
EXPECTED_COUNTS = {
    "banking77": {"train": 10003, "test": 3080, "labels": 77},
    "clinc150": {"train": 15000, "val": 3000, "test": 4500, "oos_train": 100, "oos_val": 100,
                 "oos_test": 1000, "labels": 150},
    "mnli": {"train_10000_split": 10000, "train_10k_split": 10000, "train_unique": 19739,
             "dev_matched": 9815, "dev_matched_jsonl": 10000, "dev_matched_jsonl_no_gold": 185,
             "labels": 3},
}

# Teacher expectations from the teachers' SOURCE.md files (checked unless --skip-pins).
# accuracy_pct keys are table splits ("train"/"test") or source splits ("source:val").
# Two figures are derived: Banking77 Llama train = weighted mean of the SOURCE.md THUIAR
# train 45.74% (9,003 rows) and dev 45.80% (1,000 rows) = canonical train (10,003 rows).
EXPECTED_TEACHERS = {
    ("banking77", "teacher_gpt4_fewshot"): {
        "teacher_rows": 3080 + 1001, "covered": {"train": 1001, "test": 3080},
        "accuracy_pct": {"test": 83.05, "train": 81.12}, "prompt_demos": 231},
    ("banking77", "teacher_llama32_3b_zeroshot"): {
        "teacher_rows": 13083, "covered": {"train": 10003, "test": 3080},
        "accuracy_pct": {"test": 50.62, "train": (45.74 * 9003 + 45.80 * 1000) / 10003}},
    ("clinc150", "teacher_llama32_3b_zeroshot"): {
        "teacher_rows": 23700, "covered": {"train": 18000, "test": 4500}, "excluded_matched": 1200,
        "accuracy_pct": {"source:train": 50.93, "source:val": 50.53, "source:test": 49.38}},
}


class DataError(Exception):
    """A problem with the input data; reported without a traceback, exit code 2."""


# --------------------------------------------------------------------------------------
# normalisation
# --------------------------------------------------------------------------------------

def normalize_text(s: str) -> str:
    """Every run of whitespace (str.split(): ASCII and Unicode whitespace, incl. \\r \\n \\t
    \\xa0 \\u2028) becomes one space; both ends stripped. Nothing else changes."""
    return " ".join(s.split())


def normalize_teacher_label(s: str) -> str:
    """Trim surrounding whitespace. Interior whitespace runs (never part of a valid label)
    are collapsed to one space only so that no cell contains a line break; counted."""
    return " ".join(s.split())


# --------------------------------------------------------------------------------------
# reading sources
# --------------------------------------------------------------------------------------

class Sources:
    def __init__(self, root: str, verify: bool):
        self.root = root
        self.verify = verify
        self.read: dict[str, dict] = {}

    def path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def has(self, rel: str) -> bool:
        return os.path.isfile(self.path(rel))

    def read_bytes(self, rel: str) -> bytes:
        p = self.path(rel)
        if not os.path.isfile(p):
            exp = PINNED_SHA256.get(rel)
            raise DataError(f"missing source file: {p}"
                            + (f" (expected a file with sha256 {exp})" if exp else ""))
        with open(p, "rb") as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()
        if self.verify:
            exp = PINNED_SHA256.get(rel)
            if exp is None:
                raise DataError(f"{p}: no pinned sha256 for this file (internal list incomplete)")
            if digest != exp:
                raise DataError(f"{p}: sha256 mismatch: expected {exp} (SOURCE.md), found {digest}")
        self.read[rel] = {"sha256": digest, "bytes": len(data)}
        return data

    def read_text(self, rel: str) -> str:
        data = self.read_bytes(rel)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DataError(f"{self.path(rel)}: not valid UTF-8 ({e})") from None
        return text[1:] if text.startswith("\ufeff") else text

    def read_json(self, rel: str):
        try:
            return json.loads(self.read_text(rel))
        except json.JSONDecodeError as e:
            raise DataError(f"{self.path(rel)}: invalid JSON ({e})") from None

    def read_csv(self, rel: str, required: list[str]) -> list[dict]:
        """RFC 4180 CSV (quoted fields, CRLF or LF, newlines inside quotes) -> list of dicts."""
        p = self.path(rel)
        try:
            records = list(csv.reader(io.StringIO(self.read_text(rel), newline=""), strict=True))
        except csv.Error as e:
            raise DataError(f"{p}: malformed CSV ({e})") from None
        if not records:
            raise DataError(f"{p}: empty file, expected a header with columns {required}")
        header = records[0]
        _require_columns(p, header, required)
        rows = []
        for i, rec in enumerate(records[1:]):
            if len(rec) != len(header):
                raise DataError(f"{p}: record {i} (0-based, after the header) has {len(rec)} "
                                f"fields, expected {len(header)} like the header")
            rows.append(dict(zip(header, rec)))
        return rows

    def read_tsv(self, rel: str, required: list[str]) -> list[dict]:
        """Unquoted TSV with a header line; LF line endings (a trailing CR is tolerated)."""
        p = self.path(rel)
        lines = self.read_text(rel).split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            raise DataError(f"{p}: empty file, expected a header with columns {required}")
        lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
        header = lines[0].split("\t")
        _require_columns(p, header, required)
        rows = []
        for i, ln in enumerate(lines[1:]):
            rec = ln.split("\t")
            if len(rec) != len(header):
                raise DataError(f"{p}: line {i + 2} has {len(rec)} TAB-separated fields, "
                                f"expected {len(header)} like the header")
            rows.append(dict(zip(header, rec)))
        return rows


def _require_columns(path: str, header: list[str], required: list[str]) -> None:
    for col in required:
        if col not in header:
            raise DataError(f"{path}: missing column '{col}' (required columns: "
                            f"{', '.join(required)}; header has: {', '.join(header)})")


def _check_count(verify: bool, path: str, what: str, expected: int, found: int) -> None:
    if verify and expected != found:
        raise DataError(f"{path}: wrong count of {what}: expected {expected} (SOURCE.md), "
                        f"found {found}")


# --------------------------------------------------------------------------------------
# data model
# --------------------------------------------------------------------------------------

@dataclass
class SrcRow:
    split: str            # source split name (e.g. "train", "val", "oos_test", "train_10k_split")
    index: int            # 0-based record index within the source file / JSON list
    text: str             # raw text (premise for MNLI)
    label: str            # ground-truth label as in the source
    table: str | None     # "train" / "test", or None when the row is excluded from the tables
    text_b: str | None = None


@dataclass
class TeacherRow:
    file: str             # source path (relative to --source)
    index: int            # 0-based row index in that file
    allowed_splits: tuple  # source splits this row may join to
    text: str
    gold: str             # gold label name as recorded by the teacher file
    said: str | None      # label as said (ids already mapped to names), None = no label


@dataclass
class Teacher:
    column: str
    description: str
    rows: list
    files: list
    identity_file: str | None = None      # rows of this file must join to test row i
    extra: dict = field(default_factory=dict)


@dataclass
class Dataset:
    name: str
    labels: list
    label_order: str
    pair: bool
    rows: list                              # all SrcRows in canonical order (incl. excluded)
    teachers: list = field(default_factory=list)
    excluded: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def _check_gold(path: str, rows: list[SrcRow], labels: list[str]) -> None:
    label_set = set(labels)
    for r in rows:
        if r.table is not None and r.label not in label_set:
            raise DataError(f"{path}: row {r.index} ({r.split}) has ground-truth label "
                            f"{r.label!r}, which is not in the canonical label set")


# --------------------------------------------------------------------------------------
# Banking77
# --------------------------------------------------------------------------------------

OCATS = "teachers/ocats-gpt4-banking77"
TRUST = "teachers/llm-trust-lens-small-llms"
B77_LLAMA = f"{TRUST}/banking77_all13083_llama3.2-3b_zeroshot_round1.csv"
CLINC_LLAMA = [f"{TRUST}/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part0_11850.json",
               f"{TRUST}/clinc150oos_all23700_llama3.2-3b_zeroshot_round1_part11850_23699.json"]


def _teacher_available(src: Sources, files: list[str], column: str, skipped: dict) -> bool:
    """Teacher files are required when pins are verified. With --skip-pins a teacher whose
    files are all absent is skipped (recorded); a partial set is still an error."""
    present = [f for f in files if src.has(f)]
    if src.verify or present:
        for f in files:
            if not src.has(f):
                src.read_bytes(f)   # raises "missing source file"
        return True
    skipped[column] = "source files absent: " + ", ".join(files)
    return False


def build_banking77(src: Sources) -> Dataset:
    exp = EXPECTED_COUNTS["banking77"]
    cat_path = "banking77/categories.json"
    labels = src.read_json(cat_path)
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise DataError(f"{src.path(cat_path)}: expected a JSON list of label names")
    if len(set(labels)) != len(labels):
        raise DataError(f"{src.path(cat_path)}: duplicate label names")
    _check_count(src.verify, src.path(cat_path), "labels", exp["labels"], len(labels))
    rows = []
    for split in ("train", "test"):
        rel = f"banking77/{split}.csv"
        recs = src.read_csv(rel, ["text", "category"])
        _check_count(src.verify, src.path(rel), "rows", exp[split], len(recs))
        part = [SrcRow(split, i, r["text"], r["category"], split) for i, r in enumerate(recs)]
        _check_gold(src.path(rel), part, labels)
        rows += part
    ds = Dataset("banking77", labels, "categories.json order", False, rows)
    skipped = ds.extra.setdefault("teachers_skipped", {})

    # GPT-4 few-shot (OCaTS): ids in HF ClassLabel order -> names via hf_label_ids.derived.json
    files = [f"{OCATS}/test.csv", f"{OCATS}/dev.csv", f"{OCATS}/hf_label_ids.derived.json",
             f"{OCATS}/prompt_demos_train.csv"]
    if _teacher_available(src, files, "teacher_gpt4_fewshot", skipped):
        id2name = src.read_json(files[2])
        if not isinstance(id2name, dict) or not all(isinstance(v, str) for v in id2name.values()):
            raise DataError(f"{src.path(files[2])}: expected a JSON object id -> label name")
        bad = sorted(set(id2name.values()) - set(labels))
        if bad:
            raise DataError(f"{src.path(files[2])}: label names not in categories.json: {bad}")
        trows = []
        unmapped = collections.Counter()
        for rel, allowed, n_exp in ((files[0], ("test",), 3080), (files[1], ("train",), 1001)):
            recs = src.read_csv(rel, ["text", "label", "gpt-label"])
            _check_count(src.verify, src.path(rel), "rows", n_exp, len(recs))
            for i, r in enumerate(recs):
                gid = r["label"].strip()
                if gid not in id2name:
                    raise DataError(f"{src.path(rel)}: row {i}: gold label id {gid!r} not in "
                                    f"{files[2]}")
                said = r["gpt-label"].strip()
                if said in id2name:
                    said = id2name[said]
                elif said:
                    unmapped[said] += 1     # kept as said, counted as out of set
                trows.append(TeacherRow(rel, i, allowed, r["text"], id2name[gid], said))
        demos = src.read_csv(files[3], ["text", "label_name", "label"])
        _check_count(src.verify, src.path(files[3]), "rows", 231, len(demos))
        ds.teachers.append(Teacher(
            "teacher_gpt4_fewshot",
            "OCaTS (stogiannidis/OCaTS) column gpt-label: GPT-4, few-shot (3 demos/class), "
            "temperature 0; ids mapped to names with hf_label_ids.derived.json",
            trows, files, identity_file=files[0],
            extra={"unmapped_ids": dict(sorted(unmapped.items())), "demos": demos}))

    # Llama-3.2-3B zero-shot (llm-trust-lens): THUIAR train+dev = canonical train
    if _teacher_available(src, [B77_LLAMA], "teacher_llama32_3b_zeroshot", skipped):
        recs = src.read_csv(B77_LLAMA, ["text", "label", "split", "predicted"])
        split_map = {"train": ("train",), "dev": ("train",), "test": ("test",)}
        trows = []
        for i, r in enumerate(recs):
            if r["split"] not in split_map:
                raise DataError(f"{src.path(B77_LLAMA)}: row {i}: unknown split {r['split']!r}, "
                                f"expected one of {sorted(split_map)}")
            trows.append(TeacherRow(B77_LLAMA, i, split_map[r["split"]], r["text"], r["label"],
                                    r["predicted"]))
        ds.teachers.append(Teacher(
            "teacher_llama32_3b_zeroshot",
            "llm-trust-lens round 1: Llama-3.2-3B (Ollama llama3.2), zero-shot, all 77 intents",
            trows, [B77_LLAMA]))
    return ds


# --------------------------------------------------------------------------------------
# CLINC150
# --------------------------------------------------------------------------------------

CLINC_TABLE = {"train": "train", "val": "train", "test": "test"}
CLINC_OOS = ("oos_train", "oos_val", "oos_test")


def build_clinc150(src: Sources) -> Dataset:
    exp = EXPECTED_COUNTS["clinc150"]
    rel = "clinc150/data_full.json"
    p = src.path(rel)
    data = src.read_json(rel)
    if not isinstance(data, dict):
        raise DataError(f"{p}: expected a JSON object with split keys")
    rows = []
    per_split_labels = {}
    for split in ("train", "val", "test") + CLINC_OOS:
        if split not in data:
            raise DataError(f"{p}: missing split key '{split}' (expected keys: train, val, test, "
                            f"oos_train, oos_val, oos_test)")
        items = data[split]
        _check_count(src.verify, p, f"rows in '{split}'", exp[split], len(items))
        for i, it in enumerate(items):
            if not (isinstance(it, list) and len(it) == 2 and all(isinstance(x, str) for x in it)):
                raise DataError(f"{p}: {split}[{i}] is not a [text, label] pair of strings")
            rows.append(SrcRow(split, i, it[0], it[1], CLINC_TABLE.get(split)))
        per_split_labels[split] = {it[1] for it in items}
    labels = sorted(per_split_labels["train"])
    for split in ("val", "test"):
        if per_split_labels[split] != set(labels):
            raise DataError(f"{p}: label set of '{split}' differs from that of 'train'")
    if "oos" in labels:
        raise DataError(f"{p}: in-scope split 'train' contains the label 'oos'")
    for split in CLINC_OOS:
        if per_split_labels[split] - {"oos"}:
            raise DataError(f"{p}: '{split}' has labels other than 'oos'")
    _check_count(src.verify, p, "in-scope labels", exp["labels"], len(labels))
    if src.verify or src.has("clinc150/domains.json"):
        dom = src.read_json("clinc150/domains.json")
        intents = {x for v in (dom.values() if isinstance(dom, dict) else []) for x in v}
        if intents != set(labels):
            raise DataError(f"{src.path('clinc150/domains.json')}: the union of intents does not "
                            f"equal the 150 in-scope labels of {rel}")
    ds = Dataset("clinc150", labels, "sorted in-scope intents (= clinc150/tsv/labels.txt)", False,
                 rows)
    ds.excluded = {s: sum(1 for r in rows if r.split == s) for s in CLINC_OOS}
    ds.notes.append("out-of-scope rows (label 'oos') are excluded from the tables; their counts "
                    "are under 'excluded'")
    skipped = ds.extra.setdefault("teachers_skipped", {})
    if _teacher_available(src, CLINC_LLAMA, "teacher_llama32_3b_zeroshot", skipped):
        # THUIAR 'oos' re-split: train = train, dev = val, test = test + all 1,200 oos rows.
        split_map = {"train": ("train", "oos_train"), "dev": ("val", "oos_val"),
                     "test": ("test",) + CLINC_OOS}
        trows = []
        for rel_t in CLINC_LLAMA:
            recs = src.read_json(rel_t)
            if not isinstance(recs, list):
                raise DataError(f"{src.path(rel_t)}: expected a JSON list of records")
            for i, r in enumerate(recs):
                for key in ("text", "label", "split", "predicted"):
                    if not isinstance(r, dict) or key not in r:
                        raise DataError(f"{src.path(rel_t)}: record {i}: missing column '{key}'")
                if r["split"] not in split_map:
                    raise DataError(f"{src.path(rel_t)}: record {i}: unknown split {r['split']!r}")
                said = r["predicted"]
                trows.append(TeacherRow(rel_t, i, split_map[r["split"]], r["text"], r["label"],
                                        None if said is None else str(said)))
        ds.teachers.append(Teacher(
            "teacher_llama32_3b_zeroshot",
            "llm-trust-lens round 1: Llama-3.2-3B (Ollama llama3.2), zero-shot, 150 intents + oos",
            trows, list(CLINC_LLAMA)))
    return ds


# --------------------------------------------------------------------------------------
# MNLI
# --------------------------------------------------------------------------------------

MNLI_LABELS = ["entailment", "neutral", "contradiction"]
MNLI_TRAIN_FILES = ("train_10000_split", "train_10k_split")
MNLI_DEV_XZ = "mnli/orig/shmuelamar+hypenymy/mnli_dev_matched.jsonl.xz"


def build_mnli(src: Sources) -> Dataset:
    exp = EXPECTED_COUNTS["mnli"]
    rows: list[SrcRow] = []
    no_gold = {}
    seen = {}
    dup_dropped = collections.Counter()
    pair_labels = collections.defaultdict(set)
    for stem in MNLI_TRAIN_FILES + ("dev_matched",):
        rel = f"mnli/{stem}.tsv"
        recs = src.read_tsv(rel, ["label", "premise", "hypothesis"])
        _check_count(src.verify, src.path(rel), "rows", exp[stem], len(recs))
        no_gold[stem] = 0
        for i, r in enumerate(recs):
            lab = r["label"]
            if lab == "-":      # no annotator consensus: no ground truth, excluded and counted
                no_gold[stem] += 1
                continue
            if lab not in MNLI_LABELS:
                raise DataError(f"{src.path(rel)}: line {i + 2}: label {lab!r} is not one of "
                                f"{MNLI_LABELS} or '-'")
            table = "test" if stem == "dev_matched" else "train"
            row = SrcRow(stem, i, r["premise"], lab, table, r["hypothesis"])
            if table == "train":
                key = (lab, normalize_text(row.text), normalize_text(row.text_b))
                pair_labels[key[1:]].add(lab)
                if key in seen:
                    dup_dropped[stem] += 1
                    row.table = None      # duplicate of an earlier row: excluded
                else:
                    seen[key] = row
            rows.append(row)
    n_train = sum(1 for r in rows if r.table == "train")
    _check_count(src.verify, src.path("mnli/train_10k_split.tsv"),
                 "unique (label, premise, hypothesis) train triples over both samples",
                 exp["train_unique"], n_train)
    ds = Dataset("mnli", list(MNLI_LABELS), "entailment, neutral, contradiction", True, rows)
    ds.excluded = {"duplicate_train_triples_dropped": dict(sorted(dup_dropped.items())),
                   "gold_label_dash_rows": no_gold}
    ds.extra["train_pairs_with_conflicting_labels"] = sum(
        1 for v in pair_labels.values() if len(v) > 1)
    ds.notes.append("train = train_10000_split.tsv then train_10k_split.tsv, deduplicated on "
                    "(label, normalised premise, normalised hypothesis), first occurrence kept")
    ds.notes.append("dev_matched.tsv already omits the 185 rows whose MultiNLI gold_label is '-'; "
                    "any '-' row met here would be excluded and counted under 'excluded'")
    # Cross-check against the original JSONL: the labelled rows must be dev_matched.tsv exactly.
    if src.verify or src.has(MNLI_DEV_XZ):
        p = src.path(MNLI_DEV_XZ)
        try:
            lines = lzma.decompress(src.read_bytes(MNLI_DEV_XZ)).decode("utf-8").splitlines()
            objs = [json.loads(ln) for ln in lines if ln.strip()]
        except (lzma.LZMAError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise DataError(f"{p}: cannot read xz JSONL ({e})") from None
        for i, o in enumerate(objs):
            for key in ("gold_label", "sentence1", "sentence2"):
                if key not in o:
                    raise DataError(f"{p}: line {i + 1}: missing column '{key}'")
        dash = sum(1 for o in objs if o["gold_label"] == "-")
        _check_count(src.verify, p, "lines", exp["dev_matched_jsonl"], len(objs))
        _check_count(src.verify, p, "rows with gold_label '-'", exp["dev_matched_jsonl_no_gold"],
                     dash)
        labelled = [(o["gold_label"], o["sentence1"], o["sentence2"]) for o in objs
                    if o["gold_label"] != "-"]
        tsv = [(r.label, r.text, r.text_b) for r in rows if r.split == "dev_matched"]
        if labelled != tsv:
            raise DataError(f"{p}: its labelled rows differ from mnli/dev_matched.tsv "
                            f"({len(labelled)} vs {len(tsv)} rows)")
        ds.extra["dev_matched_crosscheck"] = {"jsonl_rows": len(objs), "gold_label_dash": dash,
                                              "labelled_rows_equal_tsv": True}
    return ds


BUILDERS = {"banking77": build_banking77, "clinc150": build_clinc150, "mnli": build_mnli}


# --------------------------------------------------------------------------------------
# joining teachers
# --------------------------------------------------------------------------------------

def join_teacher(ds: Dataset, t: Teacher, src: Sources) -> tuple[dict, dict]:
    """Join teacher rows to canonical rows. Returns ({row position: label cell}, stats).

    Key = (text, gold label as recorded in the teacher file), restricted to the source splits
    the teacher's own split maps to. Pass 1 matches the raw text exactly; pass 2 matches the
    normalised text for teacher rows still unmatched. A teacher row claims the first canonical
    row (in canonical order) that no other teacher row has claimed yet; teacher rows are taken
    in file order. Including the gold label separates texts that occur under different labels.
    """
    exact = collections.defaultdict(list)
    normd = collections.defaultdict(list)
    for pos, r in enumerate(ds.rows):
        exact[(r.text, r.label)].append(pos)
        normd[(normalize_text(r.text), r.label)].append(pos)
    norm_text_only = collections.defaultdict(list)
    for pos, r in enumerate(ds.rows):
        norm_text_only[normalize_text(r.text)].append(pos)
    claimed: dict[int, int] = {}
    match = [None] * len(t.rows)
    how = collections.Counter()
    for pass_name, index, keyf in (("exact_text", exact, lambda s: s),
                                   ("normalised_text", normd, normalize_text)):
        for ti, tr in enumerate(t.rows):
            if match[ti] is not None:
                continue
            cands = [p for p in index.get((keyf(tr.text), tr.gold), ())
                     if ds.rows[p].split in tr.allowed_splits and p not in claimed]
            if cands:
                claimed[cands[0]] = ti
                match[ti] = cands[0]
                how[pass_name] += 1
    unmatched = collections.Counter()
    unmatched_examples = []
    for ti, tr in enumerate(t.rows):
        if match[ti] is not None:
            continue
        same_text = [p for p in norm_text_only.get(normalize_text(tr.text), ())
                     if ds.rows[p].split in tr.allowed_splits]
        if not same_text:
            reason = "text_not_found"
        elif all(ds.rows[p].label != tr.gold for p in same_text):
            reason = "gold_label_differs"
        else:
            reason = "duplicate_surplus"
        unmatched[reason] += 1
        if len(unmatched_examples) < 10:
            unmatched_examples.append({"file": tr.file, "row": tr.index, "reason": reason,
                                       "gold": tr.gold, "text": tr.text})
    if t.identity_file:
        for ti, tr in enumerate(t.rows):
            if tr.file == t.identity_file:
                p = match[ti]
                r = ds.rows[p] if p is not None else None
                if r is None or r.split != "test" or r.index != tr.index:
                    raise DataError(f"{src.path(tr.file)}: row {tr.index} does not join to "
                                    f"canonical test row {tr.index} (the documented row order)")
    # labels as cells
    cells = {}
    trimmed = collapsed = empty = 0
    for ti, tr in enumerate(t.rows):
        p = match[ti]
        if p is None or ds.rows[p].table is None:
            continue
        said = tr.said
        if said is None:
            cell = ""
        else:
            cell = normalize_teacher_label(said)
            trimmed += said != said.strip()
            collapsed += said.strip() != cell
        empty += cell == ""
        cells[p] = cell
    # ambiguous duplicates: canonical rows a teacher row could not tell apart
    groups = collections.defaultdict(list)
    for pos, r in enumerate(ds.rows):
        if r.table is not None:
            groups[(r.table, normalize_text(r.text), r.label)].append(pos)
    ambiguous = []
    for (table, text, gold), poss in groups.items():
        if len(poss) > 1 and any(p in claimed for p in poss):
            ambiguous.append({
                "table": table, "text": text, "gold": gold,
                "ids": [row_id(ds, ds.rows[p]) for p in poss],
                "teacher_labels": [cells.get(p) for p in poss],
                "labels_differ": len({cells.get(p) for p in poss}) > 1})
    excluded_matched = [match[ti] for ti in range(len(t.rows))
                        if match[ti] is not None and ds.rows[match[ti]].table is None]
    stats = {
        "teacher_rows": len(t.rows),
        "matched": {"exact_text": how["exact_text"], "normalised_text": how["normalised_text"]},
        "unmatched": dict(sorted(unmatched.items())),
        "unmatched_examples": unmatched_examples,
        "matched_to_excluded_rows": len(excluded_matched),
        "ambiguous_duplicate_groups": ambiguous,
        "labels_with_surrounding_whitespace_trimmed": trimmed,
        "labels_with_interior_whitespace_collapsed": collapsed,
        "joined_rows_with_empty_label": empty,
    }
    if excluded_matched:
        said_oos = sum(1 for ti in range(len(t.rows))
                       if match[ti] is not None and ds.rows[match[ti]].table is None
                       and normalize_teacher_label(t.rows[ti].said or "") == "oos")
        stats["excluded_rows_where_teacher_said_oos"] = said_oos
    return cells, stats


# --------------------------------------------------------------------------------------
# assembling outputs
# --------------------------------------------------------------------------------------

def row_id(ds: Dataset, r: SrcRow) -> str:
    return f"{ds.name}-{r.split}-{r.index:06d}"


def csv_line(fields: list[str]) -> str:
    for f in fields:
        if "\n" in f or "\r" in f:
            raise AssertionError(f"field contains a line break: {f!r}")
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields) + "\n"


def _pct(num: int, den: int):
    return round(100.0 * num / den, 4) if den else None


def _accuracy_block(cells_by_pos: dict, positions: list[int], ds: Dataset, label_set: set) -> dict:
    covered = correct = oos = 0
    for p in positions:
        c = cells_by_pos.get(p, "")
        if c == "":
            continue
        covered += 1
        correct += c == ds.rows[p].label
        oos += c not in label_set
    return {"rows": len(positions), "covered": covered,
            "coverage_pct": _pct(covered, len(positions)), "correct": correct,
            "accuracy_pct": _pct(correct, covered), "labels_outside_set": oos}


def prepare_dataset(ds: Dataset, src: Sources) -> dict[str, bytes]:
    label_set = set(ds.labels)
    for lab in ds.labels:
        if not lab or lab != normalize_text(lab) or " " in lab or '"' in lab:
            raise DataError(f"{ds.name}: canonical label {lab!r} is empty or contains whitespace "
                            f"or a quote")
    table_pos = {"train": [], "test": []}
    for pos, r in enumerate(ds.rows):
        if r.table is not None:
            table_pos[r.table].append(pos)

    teacher_cells = {}
    teacher_report = {}
    for t in ds.teachers:
        cells, stats = join_teacher(ds, t, src)
        teacher_cells[t.column] = cells
        splits = {tb: _accuracy_block(cells, table_pos[tb], ds, label_set) for tb in table_pos}
        by_source = {}
        for tb in table_pos:
            for s in dict.fromkeys(ds.rows[p].split for p in table_pos[tb]):
                by_source[s] = _accuracy_block(
                    cells, [p for p in table_pos[tb] if ds.rows[p].split == s], ds, label_set)
        offenders = collections.Counter(c for c in cells.values() if c and c not in label_set)
        top = sorted(offenders.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_OFFENDERS]
        entry = {
            "description": t.description,
            "source_files": t.files,
            "join": stats,
            "splits": splits,
            "by_source_split": by_source,
            "labels_outside_set": {"total": sum(offenders.values()),
                                   "distinct_values": len(offenders),
                                   "top": [[v, n] for v, n in top]},
        }
        if t.column == "teacher_gpt4_fewshot":
            entry["unmapped_label_ids_kept_as_said"] = t.extra["unmapped_ids"]
            entry["prompt_demos"] = _prompt_demos(ds, t.extra["demos"], cells)
        exp = EXPECTED_TEACHERS.get((ds.name, t.column))
        if exp:
            entry["expected_from_SOURCE_md"] = {"accuracy_pct": exp["accuracy_pct"],
                                                "tolerance_points": ACCURACY_TOLERANCE_POINTS}
        if src.verify:
            _check_teacher(ds, t, entry, exp)
        teacher_report[t.column] = entry

    pair_cols = ["text_b"] if ds.pair else []
    columns = ["id", "text"] + pair_cols + ["label"] + [t.column for t in ds.teachers]
    outputs: dict[str, bytes] = {}
    split_report = {}
    for tb in ("train", "test"):
        lines = [csv_line(columns)]
        norm = collections.Counter()
        for p in table_pos[tb]:
            r = ds.rows[p]
            texts = [("text", r.text)] + ([("text_b", r.text_b)] if ds.pair else [])
            out = []
            for name, raw in texts:
                n = normalize_text(raw)
                norm[f"{name}_changed"] += n != raw
                norm[f"{name}_had_line_break"] += any(ch in raw for ch in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")
                norm[f"{name}_empty_after"] += n == ""
                out.append(n)
            fields = [row_id(ds, r), out[0]] + out[1:] + [r.label]
            fields += [teacher_cells[t.column].get(p, "") for t in ds.teachers]
            lines.append(csv_line(fields))
        outputs[f"{tb}.csv"] = "".join(lines).encode("utf-8")
        norm_keys = [f"{n}_{k}" for n in (["text"] + pair_cols)
                     for k in ("changed", "had_line_break", "empty_after")]
        split_report[tb] = {
            "rows": len(table_pos[tb]),
            "rows_by_source_split": dict(collections.Counter(ds.rows[p].split
                                                             for p in table_pos[tb])),
            "label_counts": {lab: n for lab, n in sorted(collections.Counter(
                ds.rows[p].label for p in table_pos[tb]).items())},
            "normalisation": {k: norm[k] for k in norm_keys},
        }
    outputs["labels.txt"] = ("\n".join(ds.labels) + "\n").encode("utf-8")

    # texts with more than one gold label (after normalisation), and train/test overlap
    gold_by_text = collections.defaultdict(set)
    for tb in table_pos:
        for p in table_pos[tb]:
            gold_by_text[(tb, _text_key(ds, ds.rows[p]))].add(ds.rows[p].label)
    conflicting = {tb: sorted(k[1] for k, v in gold_by_text.items() if k[0] == tb and len(v) > 1)
                   for tb in table_pos}
    train_texts = {k[1] for k in gold_by_text if k[0] == "train"}
    overlap = sorted(k[1] for k in gold_by_text if k[0] == "test" and k[1] in train_texts)

    report = {
        "script": "data_scripts/prepare_data.py",
        "script_version": SCRIPT_VERSION,
        "format": FORMAT_VERSION,
        "dataset": ds.name,
        "pins_verified": src.verify,
        "columns": columns,
        "id_scheme": "<dataset>-<source split>-<0-based row index in the source file, 6 digits>",
        "text_normalisation": "every run of whitespace (str.split()) -> one space; strip ends",
        "label_set": {"count": len(ds.labels), "order": ds.label_order, "file": "labels.txt"},
        "splits": split_report,
        "excluded": ds.excluded,
        "duplicate_texts": {
            "texts_with_more_than_one_gold_label": {tb: {"count": len(v), "texts": v[:20]}
                                                    for tb, v in conflicting.items()},
            "test_texts_also_in_train": {"count": len(overlap), "texts": overlap[:20]},
        },
        "teachers": teacher_report,
        "teachers_skipped": ds.extra.get("teachers_skipped", {}),
        "notes": ds.notes,
        "sources": {rel: src.read[rel] for rel in sorted(src.read)},
        "outputs": {name: {"sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                    for name, b in sorted(outputs.items())},
    }
    for k, v in ds.extra.items():
        if k != "teachers_skipped":
            report[k] = v
    outputs["PREPARED.json"] = (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False)
                                + "\n").encode("utf-8")
    return outputs


def _text_key(ds: Dataset, r: SrcRow):
    if ds.pair:
        return normalize_text(r.text) + "\t" + normalize_text(r.text_b)
    return normalize_text(r.text)


def _prompt_demos(ds: Dataset, demos: list[dict], cells: dict) -> dict:
    """The 231 in-context demonstrations of the GPT-4 prompt (all from canonical train):
    their ids, so a harness can exclude or flag them."""
    by_exact = collections.defaultdict(list)
    by_norm = collections.defaultdict(list)
    for pos, r in enumerate(ds.rows):
        if r.table == "train":
            by_exact[(r.text, r.label)].append(pos)
            by_norm[(normalize_text(r.text), r.label)].append(pos)
    ids, unmatched = [], 0
    with_label = 0
    for d in demos:
        cands = (by_exact.get((d["text"], d["label_name"]))
                 or by_norm.get((normalize_text(d["text"]), d["label_name"])))
        if not cands:
            unmatched += 1
            continue
        ids.append(row_id(ds, ds.rows[cands[0]]))
        with_label += cells.get(cands[0], "") != ""
    return {"count": len(demos), "matched": len(ids), "unmatched": unmatched,
            "with_teacher_label": with_label, "ids": sorted(ids),
            "note": "in-context demonstrations of the GPT-4 prompt; exclude or flag them when "
                    "training a surrogate on teacher labels"}


def _check_teacher(ds: Dataset, t: Teacher, entry: dict, exp: dict | None) -> None:
    where = f"{ds.name} {t.column} ({', '.join(t.files)})"
    if exp is None:
        raise DataError(f"{where}: no expectations pinned for this teacher")
    join = entry["join"]
    if join["teacher_rows"] != exp["teacher_rows"]:
        raise DataError(f"{where}: expected {exp['teacher_rows']} teacher rows (SOURCE.md), "
                        f"found {join['teacher_rows']}")
    if join["unmatched"]:
        raise DataError(f"{where}: {sum(join['unmatched'].values())} teacher rows did not join "
                        f"to the canonical data ({join['unmatched']}); SOURCE.md says all join")
    for tb, n in exp["covered"].items():
        got = entry["splits"][tb]["covered"]
        if got != n:
            raise DataError(f"{where}: expected {n} covered rows in {tb} (SOURCE.md), found {got}")
    if join["matched_to_excluded_rows"] != exp.get("excluded_matched", 0):
        raise DataError(f"{where}: expected {exp.get('excluded_matched', 0)} teacher rows on "
                        f"excluded rows, found {join['matched_to_excluded_rows']}")
    for key, want in exp["accuracy_pct"].items():
        block = (entry["by_source_split"][key.split(":", 1)[1]] if key.startswith("source:")
                 else entry["splits"][key])
        got = block["accuracy_pct"]
        if got is None or abs(got - want) > ACCURACY_TOLERANCE_POINTS:
            raise DataError(f"{where}: accuracy on {key} is {got}%, SOURCE.md says {want:.2f}% "
                            f"(tolerance {ACCURACY_TOLERANCE_POINTS} points)")
    if "prompt_demos" in exp and entry["prompt_demos"]["matched"] != exp["prompt_demos"]:
        raise DataError(f"{where}: expected all {exp['prompt_demos']} prompt demonstrations to "
                        f"join to canonical train, {entry['prompt_demos']['matched']} did")


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------

def write_atomic(path: str, data: bytes) -> None:
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="prepare_data.py",
        description="Build the canonical trace tables (docs/data_format.md). Paths are "
                    "resolved relative to the current directory (run from the repo root).")
    ap.add_argument("--source", default="../shared/data",
                    help="folder laid out like shared/data (default: ../shared/data)")
    ap.add_argument("--out", default="prepared", help="output folder (default: prepared)")
    ap.add_argument("--datasets", default=",".join(DEFAULT_DATASETS),
                    help="comma-separated subset of " + ",".join(DEFAULT_DATASETS))
    ap.add_argument("--skip-pins", action="store_true",
                    help="do not check sha256 / counts / teacher accuracies against SOURCE.md "
                         "(for hand-made or other inputs); absent teacher files are then skipped. "
                         "PREPARED.json records pins_verified=false.")
    args = ap.parse_args(argv)
    names = [x.strip() for x in args.datasets.split(",") if x.strip()]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown or not names:
        ap.error(f"--datasets: unknown {unknown}; choose from {','.join(DEFAULT_DATASETS)}")
    args.dataset_list = list(dict.fromkeys(names))
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if not os.path.isdir(args.source):
            raise DataError(f"source folder not found: {args.source} (pass --source)")
        built = {}
        for name in args.dataset_list:
            src = Sources(args.source, verify=not args.skip_pins)
            ds = BUILDERS[name](src)
            built[name] = prepare_dataset(ds, src)
        # write only after every dataset has passed its checks
        for name, outputs in built.items():
            d = os.path.join(args.out, name)
            os.makedirs(d, exist_ok=True)
            for fname in ("train.csv", "test.csv", "labels.txt", "PREPARED.json"):
                write_atomic(os.path.join(d, fname), outputs[fname])
            rep = json.loads(outputs["PREPARED.json"])
            teach = "; ".join(
                f"{c}: " + ", ".join(f"{tb} {e['splits'][tb]['covered']}/{e['splits'][tb]['rows']} "
                                     f"acc {e['splits'][tb]['accuracy_pct']}%"
                                     for tb in ("train", "test"))
                for c, e in rep["teachers"].items())
            print(f"{name}: train {rep['splits']['train']['rows']}, test "
                  f"{rep['splits']['test']['rows']} rows -> {d}" + (f" | {teach}" if teach else ""))
    except DataError as e:
        print(f"prepare_data.py: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
