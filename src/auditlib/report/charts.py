"""Static charts for the run index: PNG rendered with matplotlib's Agg backend, as data URIs.

Static images keep the report offline, printable and identical in every viewer.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import Any

from auditlib.config import SEVERITIES

SEVERITY_COLOURS = {
    "critical": "#8b0000",
    "high": "#d9480f",
    "medium": "#f2a900",
    "low": "#5c7cfa",
    "info": "#868e96",
}


def _png_data_uri(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def findings_by_rule_chart(findings: list[dict[str, Any]], rule_ids: list[str]) -> str | None:
    """Stacked bars: findings per rule, coloured by severity. None when there are no findings."""
    if not findings:
        return None
    from matplotlib.figure import Figure  # no pyplot: no global backend state, Agg canvas
    from matplotlib.ticker import MaxNLocator

    counts: Counter[tuple[str, str]] = Counter(
        (str(f["rule_id"]), str(f.get("severity", "info"))) for f in findings
    )
    ids = [r for r in rule_ids if any(k[0] == r for k in counts)]
    ids += sorted({k[0] for k in counts} - set(ids))
    fig = Figure(figsize=(max(4.0, 0.55 * len(ids) + 1.5), 3.2))
    ax = fig.add_subplot()
    bottom = [0] * len(ids)
    for sev in SEVERITIES:
        vals = [counts.get((r, sev), 0) for r in ids]
        if any(vals):
            ax.bar(ids, vals, bottom=bottom, label=sev, color=SEVERITY_COLOURS[sev])
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("findings")
    ax.set_title("Findings per rule, by severity")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)


def status_chart(statuses: dict[str, str]) -> str | None:
    """Horizontal bar of rule statuses (pass/fail/error/skipped)."""
    if not statuses:
        return None
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    order = ("pass", "fail", "error", "skipped")
    colours = {"pass": "#2b8a3e", "fail": "#c92a2a", "error": "#862e9c", "skipped": "#868e96"}
    counts = Counter(statuses.values())
    labels = [s for s in order if counts.get(s)]
    fig = Figure(figsize=(4.0, 2.2))
    ax = fig.add_subplot()
    ax.barh(labels, [counts[s] for s in labels], color=[colours[s] for s in labels])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rules")
    ax.set_title("Rule status")
    ax.spines[["top", "right"]].set_visible(False)
    return _png_data_uri(fig)
