"""Benchmark: the policy check grows linearly with the text; bounded vs unbounded patterns.

    .venv/bin/python benchmarks/bench_policy.py

1. ``audit_document`` on the published policy repeated 1x, 2x, 4x, 8x (each copy a new
   set of sections): prints seconds and the ratio to 1x (linear: about 1, 2, 4, 8).
2. The naive way of writing a pattern, ``(\\w+ ?)+!`` (nested unbounded repetition, which
   the checklist loader refuses), against every pattern of the checklist, on a near-miss
   input of growing length: the naive pattern's time multiplies with every word
   (catastrophic backtracking), the checklist's stays flat. Printed as seconds and ratio.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from auditlib.config import Params
from auditlib.policy import audit_document, parse_policy
from auditlib.policy.checklist import load_checklist

REPO = Path(__file__).resolve().parents[1]


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    text = (REPO / "audits" / "policy" / "integritetspolicy.txt").read_text(encoding="utf-8")
    base = None
    for k in (1, 2, 4, 8):
        body = "\n\n".join(
            text.replace("\nIntegritetspolicy\n", f"\nIntegritetspolicy {i}\n") for i in range(k)
        )
        secs = _time(lambda body=body: audit_document(parse_policy(body), Params()))
        base = base or secs
        print(f"policy x{k}: {len(body):>7} chars  {secs:7.3f} s  ratio {secs / base:5.2f}")
    naive = re.compile(r"(\w+ ?)+!")
    cl = load_checklist()
    patterns = [p for e in cl.elements for g in e.groups for p in g]
    patterns += [p for n in cl.narrowings for g in n.groups for p in g]
    for words in (4, 6, 8, 9):
        s = "ord " * words + "?"
        tn = _time(lambda s=s: naive.search(s), 1)
        tb = _time(lambda s=s: [p.search(s) for p in patterns], 1)
        print(
            f"near-miss of {words} words: naive 1 pattern {tn:8.4f} s, checklist "
            f"{len(patterns)} patterns {tb:8.6f} s, ratio {tn / max(tb, 1e-9):8.1f}"
        )


if __name__ == "__main__":
    main()
