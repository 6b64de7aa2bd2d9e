#!/usr/bin/env python3
"""Label every row of a prepared trace table with an LLM teacher.

One request per distinct input, through either
  --api openai     POST {base}/v1/chat/completions  (OpenAI and compatible
                   servers: vLLM, llama.cpp, LiteLLM, ...)
  --api anthropic  POST {base}/v1/messages
using only the standard library (urllib). The prompt follows the shape of
the TRACER paper's Appendix A (the task, the full list of labels, the input,
and a JSON answer {"label": ...}); it is a template, replaceable with
--prompt-template FILE (string.Template: $labels, $n_labels, $text, $text_b).

Outputs
  --out FILE           teacher column file, CSV in the prepared-table style
                       (UTF-8, LF, every field double-quoted): id,label,status
                       in table order. status: ok | normalised (label matched a
                       canonical one after case/space folding) | out_of_set
                       (kept verbatim, as prepare_data.py keeps such labels) |
                       unparseable (label "", the raw answer is in the cache) |
                       error (label "", no answer after retries; a rerun asks
                       again). Join it on id.
  FILE.summary.json    counts by status, tokens and cost, settings, input sha256.
  --cache FILE         JSONL, one line per answered input, keyed by
                       sha256(model, prompt hash, text, text_b). A rerun reads
                       it and only asks for inputs not in it, so an interrupted
                       run resumes where it stopped. Answers are appended as
                       they arrive. Unparseable answers are cached (as such);
                       --retry-unparseable asks again for them.

Errors: 429, 5xx, 408/409, timeouts and connection failures are retried with
exponential backoff (--backoff-base * 2^attempt, capped, with jitter, honouring
Retry-After). 401/403/404 stop the run (key, permissions, model or URL are
wrong): what was answered so far is in the cache. Other 4xx are recorded as
"error" for that row.

Cost: input/output tokens from each response's usage field, times
--price-input / --price-output (USD per million tokens; defaults are Claude
Sonnet 4.6's $3 / $15, the paper's teacher).

The API key is read from the environment variable named by --api-key-env
(default OPENAI_API_KEY or ANTHROPIC_API_KEY); --no-api-key for local servers.

Exit status: 0 when every row has an answer (ok, normalised, out_of_set or
unparseable), 3 when some rows ended in "error", 2 on bad arguments or a
fatal API error.
"""
import argparse
import concurrent.futures
import csv
import hashlib
import json
import os
import random
import socket
import string
import sys
import threading
import time
import urllib.error
import urllib.request

SCRIPT_VERSION = "1.0.0"

# The prompt (after the TRACER paper, Appendix A: all intents listed, JSON
# output). $labels is one label per line, prefixed "- ".
DEFAULT_TEMPLATE = """\
You are an intent classifier for a customer-support system.
Classify the customer message below into exactly one of these $n_labels intents:
$labels

Customer message: $text

Respond with a JSON object and nothing else, exactly in this form:
{"label": "<intent>"}
where <intent> is one of the intents listed above, spelled exactly as listed."""

# Sentence-pair tables (a text_b column, e.g. MNLI).
DEFAULT_PAIR_TEMPLATE = """\
Classify the relation between the two texts below into exactly one of these $n_labels labels:
$labels

Text A: $text
Text B: $text_b

Respond with a JSON object and nothing else, exactly in this form:
{"label": "<label>"}
where <label> is one of the labels listed above, spelled exactly as listed."""

DEFAULT_BASE_URL = {"openai": "https://api.openai.com", "anthropic": "https://api.anthropic.com"}
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
ENDPOINT = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}
ANTHROPIC_VERSION = "2023-06-01"

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
FATAL_STATUS = {401, 403, 404}


class FatalApiError(RuntimeError):
    """An answer that will not change on retry and concerns every row."""


class RowError(RuntimeError):
    """This row got no answer (after retries, or a non-retryable 4xx)."""


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- inputs ------------------------------------------------------------------

def read_table(path, text_column="text", text_b_column="text_b", limit=None):
    """Rows (id, text, text_b or None) of a prepared trace table."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        for col in ("id", text_column):
            if col not in fields:
                raise SystemExit(f"label_with_llm: {path}: no column '{col}' (columns: {', '.join(fields)})")
        has_b = text_b_column in fields
        rows = []
        seen = set()
        for i, r in enumerate(reader):
            if limit is not None and len(rows) >= limit:
                break
            rid = r["id"]
            if not rid:
                raise SystemExit(f"label_with_llm: {path}: empty id in record {i + 1}")
            if rid in seen:
                raise SystemExit(f"label_with_llm: {path}: duplicate id '{rid}'")
            seen.add(rid)
            rows.append((rid, r[text_column], r[text_b_column] if has_b else None))
    return rows, has_b


def read_labels(path):
    with open(path, encoding="utf-8") as f:
        labels = [line.rstrip("\n") for line in f]
    if labels and labels[-1] == "":
        labels.pop()
    if not labels or any(not lab.strip() for lab in labels):
        raise SystemExit(f"label_with_llm: {path}: empty label list or blank line")
    return labels


# --- prompt and parsing ----------------------------------------------------

def render_prompt(template, labels, text, text_b=None):
    return string.Template(template).substitute(
        labels="\n".join(f"- {lab}" for lab in labels),
        n_labels=len(labels),
        text=text,
        text_b="" if text_b is None else text_b,
    )


def prompt_hash(template, labels):
    """Hash of everything in the prompt except the input itself."""
    return sha256_bytes(json.dumps({"template": template, "labels": labels}, ensure_ascii=False).encode())[:16]


def cache_key(model, phash, text, text_b):
    return sha256_bytes(json.dumps([model, phash, text, text_b], ensure_ascii=False).encode())


def extract_label(content):
    """The "label" string of the first JSON object in content, or None.

    Accepts bare JSON, JSON in a ``` fence, or JSON embedded in prose (the
    first object that decodes and has a string "label" wins)."""
    if not isinstance(content, str):
        return None
    decoder = json.JSONDecoder()
    start = content.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(content, start)
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("label"), str):
            return obj["label"]
        start = content.find("{", start + 1)
    return None


def fold(label):
    return " ".join(label.replace("_", " ").replace("-", " ").lower().split())


def classify_label(raw_label, labels, folded):
    """(label, status) for a parsed answer."""
    lab = raw_label.strip()
    if lab in labels:
        return lab, "ok"
    canon = folded.get(fold(lab))
    if canon is not None:
        return canon, "normalised"
    # Kept verbatim, one line (the table format has no line breaks in a field).
    return " ".join(lab.split()), "out_of_set"


# --- HTTP ----------------------------------------------------------------------

def build_request(api, model, prompt, max_tokens, temperature, json_mode):
    if api == "openai":
        body = {"model": model, "messages": [{"role": "user", "content": prompt}],
                "max_tokens": max_tokens, "temperature": temperature}
        if json_mode:
            body["response_format"] = {"type": "json_object"}
    else:
        body = {"model": model, "max_tokens": max_tokens, "temperature": temperature,
                "messages": [{"role": "user", "content": prompt}]}
    return body


def parse_response(api, payload):
    """(content text, input tokens, output tokens) of a decoded response."""
    usage = payload.get("usage") or {}
    if api == "openai":
        choices = payload.get("choices") or []
        content = (choices[0].get("message") or {}).get("content") if choices else None
        tin, tout = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    else:
        blocks = payload.get("content") or []
        content = "".join(b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text")
        tin, tout = usage.get("input_tokens", 0), usage.get("output_tokens", 0)
    return content, int(tin or 0), int(tout or 0)


class Client:
    def __init__(self, args, api_key):
        self.api = args.api
        self.url = args.base_url.rstrip("/") + ENDPOINT[args.api]
        self.api_key = api_key
        self.timeout = args.timeout
        self.max_retries = args.max_retries
        self.backoff_base = args.backoff_base
        self.backoff_max = args.backoff_max
        self.args = args
        self.lock = threading.Lock()
        self.requests_sent = 0
        self.retries = 0

    def headers(self):
        h = {"Content-Type": "application/json", "User-Agent": f"tracer-bench-label/{SCRIPT_VERSION}"}
        if self.api == "openai":
            if self.api_key:
                h["Authorization"] = f"Bearer {self.api_key}"
        else:
            h["anthropic-version"] = ANTHROPIC_VERSION
            if self.api_key:
                h["x-api-key"] = self.api_key
        return h

    def delay(self, attempt, retry_after=None):
        d = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        if retry_after is not None:
            d = min(self.backoff_max, max(d, retry_after))
        return d * (1.0 + 0.25 * random.random())

    def ask(self, prompt):
        """Decoded JSON response; raises FatalApiError or RowError."""
        body = json.dumps(build_request(self.api, self.args.model, prompt, self.args.max_tokens,
                                        self.args.temperature, self.args.json_mode)).encode()
        last = "no attempt"
        for attempt in range(self.max_retries + 1):
            if attempt > 0:
                with self.lock:
                    self.retries += 1
            req = urllib.request.Request(self.url, data=body, headers=self.headers(), method="POST")
            with self.lock:
                self.requests_sent += 1
            retry_after = None
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                try:
                    return json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    # A 200 whose body is not JSON: a broken proxy; retry.
                    last = f"HTTP 200 with a non-JSON body ({raw[:80]!r})"
            except urllib.error.HTTPError as e:
                detail = e.read()[:300].decode("utf-8", "replace")
                if e.code in FATAL_STATUS:
                    raise FatalApiError(f"HTTP {e.code} from {self.url}: {detail}")
                if e.code not in RETRY_STATUS:
                    raise RowError(f"HTTP {e.code}: {detail}")
                last = f"HTTP {e.code}: {detail}"
                ra = e.headers.get("Retry-After") if e.headers else None
                try:
                    retry_after = float(ra) if ra is not None else None
                except ValueError:
                    retry_after = None
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as e:
                last = f"{type(e).__name__}: {getattr(e, 'reason', e)}"
            if attempt < self.max_retries:
                time.sleep(self.delay(attempt, retry_after))
        raise RowError(f"no answer after {self.max_retries + 1} attempts; last: {last}")


# --- cache -------------------------------------------------------------------

def load_cache(path):
    entries = {}
    if not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
                entries[e["key"]] = e
            except (json.JSONDecodeError, KeyError, TypeError):
                # A line cut short by a crash: that input is simply asked again.
                print(f"label_with_llm: warning: {path}:{n}: unreadable cache line skipped", file=sys.stderr)
    return entries


def write_atomic(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def csv_field(s):
    return '"' + s.replace('"', '""') + '"'


# --- main ----------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", required=True, help="prepared trace table (CSV with id,text[,text_b])")
    ap.add_argument("--labels", required=True, help="labels.txt, one label per line")
    ap.add_argument("--out", required=True, help="teacher column CSV to write (id,label,status)")
    ap.add_argument("--cache", help="JSONL cache (default: OUT.cache.jsonl)")
    ap.add_argument("--api", choices=["openai", "anthropic"], default="openai")
    ap.add_argument("--base-url", help="API root (default: the provider's; e.g. http://localhost:8000 for vLLM)")
    ap.add_argument("--model", required=True)
    ap.add_argument("--api-key-env", help="environment variable holding the key")
    ap.add_argument("--no-api-key", action="store_true", help="send no key (local servers)")
    ap.add_argument("--prompt-template", help="file with a string.Template prompt ($labels $n_labels $text $text_b)")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=0.0)
    ap.add_argument("--json-mode", action="store_true", help="OpenAI response_format json_object")
    ap.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    ap.add_argument("--max-retries", type=int, default=6)
    ap.add_argument("--backoff-base", type=float, default=1.0, help="seconds before the first retry")
    ap.add_argument("--backoff-max", type=float, default=60.0)
    ap.add_argument("--price-input", type=float, default=3.0, help="USD per million input tokens")
    ap.add_argument("--price-output", type=float, default=15.0, help="USD per million output tokens")
    ap.add_argument("--limit", type=int, help="only the first N rows (a cheap trial)")
    ap.add_argument("--retry-unparseable", action="store_true", help="ask again for cached unparseable answers")
    ap.add_argument("--dry-run", action="store_true", help="print the first prompt and what would be asked; no request")
    args = ap.parse_args(argv)
    args.base_url = args.base_url or DEFAULT_BASE_URL[args.api]
    args.api_key_env = args.api_key_env or DEFAULT_KEY_ENV[args.api]
    args.cache = args.cache or args.out + ".cache.jsonl"
    if args.concurrency < 1 or args.max_retries < 0 or args.backoff_base < 0 or args.timeout <= 0:
        ap.error("--concurrency >= 1, --max-retries >= 0, --backoff-base >= 0, --timeout > 0")
    return args


def main(argv=None):
    args = parse_args(argv)
    rows, has_b = read_table(args.table, text_column=args.text_column, limit=args.limit)
    labels = read_labels(args.labels)
    folded = {}
    for lab in labels:
        folded.setdefault(fold(lab), lab)
    if args.prompt_template:
        with open(args.prompt_template, encoding="utf-8") as f:
            template = f.read()
    else:
        template = DEFAULT_PAIR_TEMPLATE if has_b else DEFAULT_TEMPLATE
    phash = prompt_hash(template, labels)

    cache = load_cache(args.cache)
    # Distinct inputs still to ask, in table order.
    todo = {}
    from_cache = 0
    for rid, text, text_b in rows:
        key = cache_key(args.model, phash, text, text_b)
        hit = cache.get(key)
        if hit is not None and not (args.retry_unparseable and hit.get("status") == "unparseable"):
            from_cache += 1
            continue
        todo.setdefault(key, (text, text_b))
    print(f"label_with_llm: {len(rows)} rows, {from_cache} answered from the cache, "
          f"{len(todo)} distinct inputs to ask ({args.model}, prompt {phash})", file=sys.stderr)

    if args.dry_run:
        if rows:
            print(render_prompt(template, labels, rows[0][1], rows[0][2]))
        return 0

    api_key = None
    if not args.no_api_key:
        api_key = os.environ.get(args.api_key_env)
        if todo and not api_key:
            print(f"label_with_llm: set {args.api_key_env} (or pass --api-key-env NAME, or --no-api-key)",
                  file=sys.stderr)
            return 2
    client = Client(args, api_key)

    errors = {}  # key -> message, for this run only (never cached)
    new_in = new_out = 0
    cache_lock = threading.Lock()

    def work(key, text, text_b):
        prompt = render_prompt(template, labels, text, text_b)
        payload = client.ask(prompt)
        content, tin, tout = parse_response(args.api, payload)
        parsed = extract_label(content)
        if parsed is None:
            label, status = "", "unparseable"
        else:
            label, status = classify_label(parsed, labels, folded)
        return {"key": key, "model": args.model, "prompt_hash": phash, "text": text, "text_b": text_b,
                "status": status, "label": label, "raw": content,
                "usage": {"input_tokens": tin, "output_tokens": tout}, "time": time.time()}

    started = time.time()
    fatal = None
    if todo:
        with open(args.cache, "a", encoding="utf-8") as cache_file, \
                concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            futures = {pool.submit(work, k, t, tb): k for k, (t, tb) in todo.items()}
            done = 0
            last_report = time.time()
            for fut in concurrent.futures.as_completed(futures):
                key = futures[fut]
                done += 1
                try:
                    entry = fut.result()
                except FatalApiError as e:
                    fatal = str(e)
                    for f in futures:
                        f.cancel()
                    continue
                except RowError as e:
                    errors[key] = str(e)
                    continue
                except Exception as e:  # a bug or an odd payload: keep the row, say why
                    errors[key] = f"{type(e).__name__}: {e}"
                    continue
                with cache_lock:
                    cache_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                    cache_file.flush()
                    cache[key] = entry
                new_in += entry["usage"]["input_tokens"]
                new_out += entry["usage"]["output_tokens"]
                if time.time() - last_report > 5 or done == len(futures):
                    cost = (new_in * args.price_input + new_out * args.price_output) / 1e6
                    print(f"label_with_llm: {done}/{len(futures)} answered, {len(errors)} errors, "
                          f"${cost:.4f} so far", file=sys.stderr)
                    last_report = time.time()
    if fatal:
        print(f"label_with_llm: stopped: {fatal}\n  Answers so far are in {args.cache}; rerun to resume.",
              file=sys.stderr)
        return 2

    # Teacher column, in table order.
    counts = {}
    total_in = total_out = 0
    counted_keys = set()
    lines = ['"id","label","status"']
    for rid, text, text_b in rows:
        key = cache_key(args.model, phash, text, text_b)
        entry = cache.get(key)
        if key in errors or entry is None:
            label, status = "", "error"
        else:
            label, status = entry["label"], entry["status"]
            if key not in counted_keys:
                counted_keys.add(key)
                total_in += entry["usage"]["input_tokens"]
                total_out += entry["usage"]["output_tokens"]
        counts[status] = counts.get(status, 0) + 1
        lines.append(",".join(csv_field(x) for x in (rid, label, status)))
    write_atomic(args.out, "\n".join(lines) + "\n")

    cost_run = (new_in * args.price_input + new_out * args.price_output) / 1e6
    cost_all = (total_in * args.price_input + total_out * args.price_output) / 1e6
    summary = {
        "script": "label_with_llm.py", "script_version": SCRIPT_VERSION,
        "table": args.table, "table_sha256": sha256_file(args.table), "rows": len(rows),
        "labels": args.labels, "n_labels": len(labels),
        "api": args.api, "base_url": args.base_url, "model": args.model,
        "prompt_hash": phash, "prompt_template": template, "max_tokens": args.max_tokens,
        "temperature": args.temperature,
        "status_counts": counts,
        "errors": sorted(set(errors.values()))[:20],
        "this_run": {"distinct_inputs_asked": len(todo), "requests_sent": client.requests_sent,
                     "retries": client.retries, "input_tokens": new_in, "output_tokens": new_out,
                     "cost_usd": round(cost_run, 6), "seconds": round(time.time() - started, 3)},
        "all_answers": {"distinct_inputs": len(counted_keys), "input_tokens": total_in,
                        "output_tokens": total_out, "cost_usd": round(cost_all, 6)},
        "price_per_million": {"input": args.price_input, "output": args.price_output},
        "cache": args.cache,
    }
    write_atomic(args.out + ".summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"label_with_llm: wrote {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
          f"; this run {client.requests_sent} requests, ${cost_run:.4f}; all answers ${cost_all:.4f}",
          file=sys.stderr)
    return 3 if counts.get("error") else 0


if __name__ == "__main__":
    sys.exit(main())
