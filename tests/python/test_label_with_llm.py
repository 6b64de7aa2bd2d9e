#!/usr/bin/env python3
"""Plumbing of data_scripts/label_with_llm.py against a mock LLM API.

The mock is an http.server bound to 127.0.0.1 on an ephemeral port, in a
thread of this process: no traffic leaves the machine. It answers both the
OpenAI-style and the Anthropic-style endpoint, choosing its reply from the
customer message in the prompt:
  "fail once ..."  -> HTTP 500 the first time, then a good answer (retry)
  "garbled ..."    -> content that holds no JSON (unparseable)
  "shouty ..."     -> {"label": "Card Arrival"} (normalised to card_arrival)
  "invented ..."   -> {"label": "teleport_money"} (kept, out_of_set)
  anything else    -> {"label": "card_arrival"} wrapped in a ``` fence
Backoff is set to milliseconds so the suite runs in about a second.
"""
import csv
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "data_scripts", "label_with_llm.py")

spec = importlib.util.spec_from_file_location("label_with_llm", SCRIPT)
lwl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lwl)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def local_env(**extra):
    """The environment without proxy settings, so requests to 127.0.0.1 go
    straight to the mock and nowhere else."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


class MockState:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # (path, message, headers)
        self.failed_once = set()
        self.fatal = False          # answer 401 to everything


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):  # keep the test output clean
            pass

        def _send(self, code, obj):
            data = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            prompt = body["messages"][0]["content"]
            message = prompt.split("Customer message: ", 1)[1].split("\n", 1)[0]
            with state.lock:
                state.requests.append((self.path, message, {k.lower(): v for k, v in self.headers.items()}))
                if state.fatal:
                    return self._send(401, {"error": "invalid api key"})
                if message.startswith("fail once") and message not in state.failed_once:
                    state.failed_once.add(message)
                    return self._send(500, {"error": "overloaded"})
            if message.startswith("garbled"):
                content = "I believe this customer is asking about their card."
            elif message.startswith("shouty"):
                content = '{"label": "Card Arrival"}'
            elif message.startswith("invented"):
                content = '{"label": "teleport_money"}'
            else:
                content = 'Sure.\n```json\n{"label": "card_arrival"}\n```'
            if self.path == "/v1/chat/completions":
                self._send(200, {"choices": [{"message": {"role": "assistant", "content": content}}],
                                 "usage": {"prompt_tokens": 100, "completion_tokens": 5}})
            elif self.path == "/v1/messages":
                self._send(200, {"content": [{"type": "text", "text": content}],
                                 "usage": {"input_tokens": 120, "output_tokens": 7}})
            else:
                self._send(404, {"error": "no such endpoint"})

    return Handler


class LabelWithLlmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = MockState()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(cls.state))
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        with self.state.lock:
            self.state.requests.clear()
            self.state.failed_once.clear()
            self.state.fatal = False
        self.table = os.path.join(self.dir, "train.csv")
        rows = [("r1", "where is my card"), ("r2", "fail once please"), ("r3", "garbled question"),
                ("r4", "where is my card"), ("r5", "shouty message"), ("r6", 'invented "quoted" thing')]
        with open(self.table, "w", encoding="utf-8", newline="") as f:
            f.write('"id","text","label"\n')
            for rid, text in rows:
                f.write(f'"{rid}","{text.replace(chr(34), chr(34) * 2)}","card_arrival"\n')
        self.labels = os.path.join(self.dir, "labels.txt")
        with open(self.labels, "w", encoding="utf-8") as f:
            f.write("card_arrival\ncard_linking\n")
        self.out = os.path.join(self.dir, "teacher.csv")

    def tearDown(self):
        self.tmp.cleanup()

    def run_script(self, *extra, api="openai", env_key="TEST_LLM_KEY"):
        cmd = [sys.executable, SCRIPT, "--table", self.table, "--labels", self.labels, "--out", self.out,
               "--api", api, "--base-url", self.base, "--model", "mock-1", "--api-key-env", env_key,
               "--backoff-base", "0.001", "--backoff-max", "0.01", "--timeout", "5",
               "--concurrency", "3", *extra]
        return subprocess.run(cmd, capture_output=True, text=True, env=local_env(TEST_LLM_KEY="sk-test"), timeout=60)

    def read_out(self):
        with open(self.out, newline="", encoding="utf-8") as f:
            return {r["id"]: (r["label"], r["status"]) for r in csv.DictReader(f)}

    def messages(self):
        with self.state.lock:
            return [m for _, m, _ in self.state.requests]

    def test_success_retry_unparseable_and_resume(self):
        p = self.run_script()
        self.assertEqual(p.returncode, 0, p.stderr)
        out = self.read_out()
        self.assertEqual(list(out), ["r1", "r2", "r3", "r4", "r5", "r6"])  # table order
        self.assertEqual(out["r1"], ("card_arrival", "ok"))
        self.assertEqual(out["r2"], ("card_arrival", "ok"))           # 500, then success
        self.assertEqual(out["r3"], ("", "unparseable"))              # recorded, not dropped
        self.assertEqual(out["r4"], ("card_arrival", "ok"))           # duplicate text, asked once
        self.assertEqual(out["r5"], ("card_arrival", "normalised"))
        self.assertEqual(out["r6"], ("teleport_money", "out_of_set"))
        msgs = self.messages()
        self.assertEqual(msgs.count("fail once please"), 2)
        self.assertEqual(msgs.count("where is my card"), 1)
        self.assertEqual(len(msgs), 6)
        with self.state.lock:
            self.assertEqual(self.state.requests[0][2].get("authorization"), "Bearer sk-test")

        with open(self.out + ".summary.json", encoding="utf-8") as f:
            s = json.load(f)
        self.assertEqual(s["status_counts"], {"ok": 3, "unparseable": 1, "normalised": 1, "out_of_set": 1})
        self.assertEqual(s["this_run"]["requests_sent"], 6)
        self.assertEqual(s["this_run"]["retries"], 1)
        # 5 answered inputs x (100 in, 5 out) at $3 / $15 per million.
        self.assertEqual(s["this_run"]["input_tokens"], 500)
        self.assertEqual(s["this_run"]["output_tokens"], 25)
        self.assertAlmostEqual(s["this_run"]["cost_usd"], (500 * 3 + 25 * 15) / 1e6)

        # The raw answer of the unparseable row is kept in the cache.
        with open(self.out + ".cache.jsonl", encoding="utf-8") as f:
            cached = [json.loads(line) for line in f]
        self.assertEqual(len(cached), 5)
        garbled = [e for e in cached if e["text"] == "garbled question"][0]
        self.assertEqual(garbled["status"], "unparseable")
        self.assertIn("asking about their card", garbled["raw"])

        # Resume: a second run makes no request and writes the same file.
        before = read_text(self.out)
        with self.state.lock:
            self.state.requests.clear()
        p = self.run_script()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.messages(), [])
        self.assertEqual(read_text(self.out), before)
        with open(self.out + ".summary.json", encoding="utf-8") as f:
            s = json.load(f)
        self.assertEqual(s["this_run"]["requests_sent"], 0)
        self.assertAlmostEqual(s["all_answers"]["cost_usd"], (500 * 3 + 25 * 15) / 1e6)

        # Asking again for unparseable answers only re-sends those.
        p = self.run_script("--retry-unparseable")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.messages(), ["garbled question"])

    def test_partial_run_then_resume(self):
        p = self.run_script("--limit", "2")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(list(self.read_out()), ["r1", "r2"])
        with self.state.lock:
            self.state.requests.clear()
        p = self.run_script()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(self.messages()),
                         sorted(["garbled question", "shouty message", 'invented "quoted" thing']))

    def test_anthropic_style_api(self):
        p = self.run_script("--limit", "1", api="anthropic")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.read_out()["r1"], ("card_arrival", "ok"))
        with self.state.lock:
            path, _, headers = self.state.requests[0]
        self.assertEqual(path, "/v1/messages")
        self.assertEqual(headers.get("x-api-key"), "sk-test")
        self.assertEqual(headers.get("anthropic-version"), lwl.ANTHROPIC_VERSION)
        with open(self.out + ".summary.json", encoding="utf-8") as f:
            self.assertEqual(json.load(f)["this_run"]["input_tokens"], 120)

    def test_fatal_status_stops_and_missing_key_is_refused(self):
        with self.state.lock:
            self.state.fatal = True
        p = self.run_script()
        self.assertEqual(p.returncode, 2)
        self.assertIn("HTTP 401", p.stderr)
        self.assertFalse(os.path.exists(self.out))
        with self.state.lock:
            self.state.fatal = False
            self.state.requests.clear()
        p = self.run_script(env_key="NO_SUCH_KEY_VARIABLE_SET")
        self.assertEqual(p.returncode, 2)
        self.assertIn("NO_SUCH_KEY_VARIABLE_SET", p.stderr)
        self.assertEqual(self.messages(), [])

    def test_server_down_rows_become_errors(self):
        # A port with nothing listening: connection refused, retried, then "error".
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        s.close()
        cmd = [sys.executable, SCRIPT, "--table", self.table, "--labels", self.labels, "--out", self.out,
               "--base-url", dead, "--model", "mock-1", "--no-api-key", "--limit", "1",
               "--max-retries", "2", "--backoff-base", "0.001", "--timeout", "2"]
        p = subprocess.run(cmd, capture_output=True, text=True, env=local_env(), timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertEqual(self.read_out()["r1"], ("", "error"))
        cache = self.out + ".cache.jsonl"
        self.assertFalse(os.path.exists(cache) and read_text(cache).strip())  # errors are not cached

    def test_extract_label(self):
        self.assertEqual(lwl.extract_label('{"label": "a"}'), "a")
        self.assertEqual(lwl.extract_label('```json\n{"label": "b"}\n```'), "b")
        self.assertEqual(lwl.extract_label('x {not json} then {"other": 1} {"label": "c"} y'), "c")
        self.assertEqual(lwl.extract_label('{"label": {"nested": 1}}'), None)
        self.assertIsNone(lwl.extract_label("no json here"))
        self.assertIsNone(lwl.extract_label(None))
        labels = ["card_arrival", "top_up_failed"]
        folded = {lwl.fold(x): x for x in labels}
        self.assertEqual(lwl.classify_label(" top-up failed ", labels, folded), ("top_up_failed", "normalised"))
        self.assertEqual(lwl.classify_label("new\nlabel", labels, folded), ("new label", "out_of_set"))

    def test_prompt_template(self):
        p = lwl.render_prompt(lwl.DEFAULT_TEMPLATE, ["a", "b"], 'say "hi" $5')
        self.assertIn("- a\n- b", p)
        self.assertIn("these 2 intents", p)
        self.assertIn('Customer message: say "hi" $5', p)
        self.assertIn('{"label": "<intent>"}', p)
        self.assertNotEqual(lwl.prompt_hash(lwl.DEFAULT_TEMPLATE, ["a"]), lwl.prompt_hash(lwl.DEFAULT_TEMPLATE, ["b"]))


if __name__ == "__main__":
    unittest.main()
