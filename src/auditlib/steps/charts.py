"""The audit notebooks' charts, each with the small aggregate query it draws.

Queries run in DuckDB on the audit view's read-only connection (never a whole table
in pandas) and use the rules' own derivations: the ``dsr_deadlines`` view and the
``norm_country`` macro (:data:`auditlib.config.COUNTRY_MACRO_SQL`).

A chart is a :class:`Chart`: the notebook shows it through ``_repr_png_`` (rendered
with matplotlib's Agg canvas on display), so kernels need neither ``pyplot`` nor the
inline backend, and the executed notebook carries a plain PNG output that the HTML
report embeds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from auditlib.steps.audit import AuditView

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_RED, _GREEN = "#b2182b", "#4d9221"


@dataclass
class Chart:
    """A titled figure, drawn on first use."""

    title: str
    draw: Callable[[Any], None]  # draws on a matplotlib Axes
    _figure: Figure | None = None

    @property
    def figure(self) -> Figure:
        if self._figure is None:
            from matplotlib.figure import Figure  # no pyplot: no global backend state

            fig = Figure(figsize=(8, 3.6), layout="constrained")
            ax = fig.add_subplot()
            ax.set_title(self.title)
            self.draw(ax)
            self._figure = fig
        return self._figure

    @property
    def axes(self) -> list[Any]:
        return list(self.figure.axes)

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=100)
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:  # the text/plain beside the PNG in the executed notebook
        return f"<chart: {self.title}>"


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def retention_overdue(view: AuditView) -> Chart:
    """Days overdue for offboarding deletion per customer (RET-01 findings), sorted."""
    pts = sorted(
        (
            (int(f.evidence.get("days_overdue", 0)), f.entity_id)
            for r in view.results
            if r.rule.id == "RET-01"
            for f in r.findings
        ),
        reverse=True,
    )

    def draw(ax: Any) -> None:
        if not pts:
            _empty(ax, "no customer is overdue")
            return
        ax.barh([f"customer {e}" for _, e in pts][::-1], [d for d, _ in pts][::-1], color=_RED)
        ax.set_xlabel("days past deletion_due")

    return Chart(f"Offboarding deletion overdue at {view.as_of} (RET-01)", draw)


def transfers_by_country(view: AuditView) -> pd.DataFrame:
    """Transfers on or before D per destination country (normalised as SUB-05 reads it)."""
    return (
        view.connection()
        .execute("""
        SELECT country, count(*) AS transfers, sum(record_count) AS records,
               list_contains(getvariable('allowed_countries'), country) AS allowed
        FROM (SELECT norm_country(destination_country) AS country, record_count
              FROM data_transfers
              WHERE sthlm_date(occurred_at) <= getvariable('as_of'))
        GROUP BY country ORDER BY records DESC
    """)
        .df()
    )


def transfers_chart(view: AuditView) -> Chart:
    """Records transferred per destination country; outside EU/EEA in red."""
    df = transfers_by_country(view)

    def draw(ax: Any) -> None:
        if df.empty:
            _empty(ax, "no transfers")
            return
        ax.bar(
            df["country"].fillna("?"),
            df["records"],
            color=[_GREEN if a else _RED for a in df["allowed"]],
        )
        ax.set_yscale("log")
        ax.set_ylabel("records (log scale)")
        ax.set_xlabel("green: EU/EEA (allowed_countries); red: outside")

    return Chart(f"Records transferred by destination country, up to {view.as_of}", draw)


def dsr_answer_times(view: AuditView) -> pd.DataFrame:
    """Per answered request: days from receipt to answer, and to its deadline.

    The deadline is the one DSR-01 judges (view ``dsr_deadlines`` of ``rules/views.sql``),
    so a dot drawn late is exactly a DSR-01 finding. For display only: DSR-01 decides the
    findings. Answered = completed on or before D; withdrawn requests have no deadline.
    """
    return (
        view.connection()
        .execute("""
        SELECT request_id, received, answered, due,
               date_diff('day', received, answered) AS days_to_answer,
               date_diff('day', received, due) AS days_allowed
        FROM dsr_deadlines
        WHERE answered IS NOT NULL
          AND outcome IS DISTINCT FROM 'withdrawn'
        ORDER BY received, request_id
    """)
        .df()
    )


def dsr_answer_time_chart(view: AuditView) -> Chart:
    """Days to answer against days allowed, one dot per answered request; late ones in red."""
    df = dsr_answer_times(view)

    def draw(ax: Any) -> None:
        if df.empty:
            _empty(ax, "no answered requests")
            return
        late = df["days_to_answer"] > df["days_allowed"]
        ax.scatter(
            df["days_allowed"][~late], df["days_to_answer"][~late], s=12, c=_GREEN, label="on time"
        )
        ax.scatter(df["days_allowed"][late], df["days_to_answer"][late], s=18, c=_RED, label="late")
        top = max(df["days_allowed"].max(), df["days_to_answer"].max()) + 5
        ax.plot([0, top], [0, top], color="grey", lw=1, ls="--", label="deadline")
        ax.set_xlabel("days allowed (received -> due)")
        ax.set_ylabel("days taken (received -> answered)")
        ax.legend(loc="upper left")

    return Chart(f"DSR answer time against the deadline, answered up to {view.as_of}", draw)
