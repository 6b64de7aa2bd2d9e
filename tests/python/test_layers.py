#!/usr/bin/env python3
"""The layering rules of src/, checked on the include graph.

- data flows one way: core <- protocol <- io <- app (a layer includes only
  itself and the layers before it);
- no include cycles anywhere (no header includes, directly or not, a file
  that includes it back);
- io only reads and writes: no file under src/io includes the analysis
  (protocol/analysis.hpp) or calls what computes results.
"""
import re
import unittest
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ORDER = ["core", "protocol", "io", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ANALYSIS_CALLS = re.compile(r"\b(analyse_experiment|summarize_seeds|project_cost|compute_artifacts|run_replay)\s*\(")


def sources():
    return sorted(p for p in SRC.rglob("*") if p.suffix in (".hpp", ".cpp"))


def includes(path):
    return [m for m in INCLUDE.findall(path.read_text(encoding="utf-8")) if (SRC / m).exists()]


class Layers(unittest.TestCase):
    def test_each_layer_includes_only_itself_and_lower_layers(self):
        bad = []
        for p in sources():
            layer = p.relative_to(SRC).parts[0]
            for inc in includes(p):
                target = inc.split("/")[0]
                if ORDER.index(target) > ORDER.index(layer):
                    bad.append(f"{p.relative_to(SRC)} includes {inc}")
        self.assertEqual(bad, [], "includes against the data flow core <- protocol <- io <- app")

    def test_no_include_cycles(self):
        graph = {str(p.relative_to(SRC)): includes(p) for p in sources()}
        state, cycles = {}, []

        def visit(node, stack):
            state[node] = "open"
            for nxt in graph.get(node, []):
                if state.get(nxt) == "open":
                    cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]) if nxt in stack else nxt)
                elif nxt not in state:
                    visit(nxt, stack + [nxt])
            state[node] = "done"

        for n in graph:
            if n not in state:
                visit(n, [n])
        self.assertEqual(cycles, [])

    def test_io_neither_orchestrates_nor_analyses(self):
        bad = []
        for p in sources():
            if p.relative_to(SRC).parts[0] != "io":
                continue
            text = p.read_text(encoding="utf-8")
            if "protocol/analysis.hpp" in text:
                bad.append(f"{p.relative_to(SRC)} includes protocol/analysis.hpp")
            for m in ANALYSIS_CALLS.finditer(text):
                bad.append(f"{p.relative_to(SRC)} calls {m.group(1)}")
        self.assertEqual(bad, [])

    def test_core_knows_no_files(self):
        bad = [str(p.relative_to(SRC)) for p in (SRC / "core").rglob("*")
               if p.suffix in (".hpp", ".cpp") and re.search(r"#include\s*<(fstream|filesystem)>", p.read_text())]
        self.assertEqual(bad, [], "core includes file APIs")


if __name__ == "__main__":
    unittest.main()
