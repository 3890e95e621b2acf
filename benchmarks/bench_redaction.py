"""Benchmark: redaction of long values, the old backtracking patterns vs auditlib.redaction.

    .venv/bin/python benchmarks/bench_redaction.py [--sizes 10000,20000,40000,2000000]

For each size and each adversarial shape (a run of word characters: the old e-mail
pattern ``[\\w.+-]+@...`` re-scanned the rest of the run from every start position),
times the old ``scrub_personal`` (the patterns of report/privacy.py before issue 12,
copied here as the naive reference) and :func:`auditlib.redaction.redact` (no length
limit: the whole value is scanned) in the same process, and prints one JSON line with
seconds and the ratio. The old way is skipped above ``--old-max`` characters (it is
quadratic: 2 MB would take hours) and its time there is extrapolated as n^2.
"""

from __future__ import annotations

import argparse
import json
import re
import time

from auditlib.redaction import redact

# The pre-issue-12 patterns (report/privacy.py), the naive reference.
_OLD = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    re.compile(
        r"(?<![\w:])(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}"
        r"|(?:[0-9a-f]{1,4}:){0,6}(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?)"
        r"(?![\w:])",
        re.I,
    ),
    re.compile(r"(?<![\w-])\+\d[\d ()-]{6,}\d"),
]


def old_scrub(value: str) -> str:
    for p in _OLD:
        value = p.sub("[redacted]", value)
    return value


def _time(f, value: str) -> float:
    t0 = time.perf_counter()
    f(value)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,20000,40000,2000000")
    ap.add_argument("--old-max", type=int, default=40000)
    args = ap.parse_args()
    shapes = {"word run": "a", "dotted": "a.", "digits": "1", "at signs": "a@"}
    for n in (int(x) for x in args.sizes.split(",")):
        for shape, unit in shapes.items():
            value = unit * (n // len(unit))
            new = _time(lambda v: redact(v, limit=None), value)
            if n <= args.old_max:
                old, how = _time(old_scrub, value), "measured"
            else:
                base = unit * (args.old_max // len(unit))
                old, how = _time(old_scrub, base) * (n / args.old_max) ** 2, "extrapolated n^2"
            print(
                json.dumps(
                    {
                        "chars": n,
                        "shape": shape,
                        "old_seconds": round(old, 4),
                        "old": how,
                        "new_seconds": round(new, 4),
                        "ratio_old_over_new": round(old / max(new, 1e-9), 1),
                    }
                )
            )


if __name__ == "__main__":
    main()
