"""``auditlib run``: a thin click shell over :func:`auditlib.runner.run.execute_run`."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.progress import ProgressColumn
from rich.text import Text

from auditlib.cli.options import day_or_today

DEFAULT_OUT = Path("audits/runs")


def _say(text: str, err: bool = False) -> None:
    """Print one line as plain text, control characters escaped (it may quote data)."""
    from auditlib.redaction import escape_controls

    click.echo(escape_controls(text), err=err)


class _Progress:
    """Terminal progress per notebook with elapsed time (rich), on stderr.

    Nothing here is parsed as Rich markup: the state is a ``Text`` object built from
    plain pieces, and error texts (which may quote data) are redacted and have their
    control characters escaped, so ``[/]`` or an ANSI sequence in data can neither crash
    nor style the display."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<14}", markup=False),
            _StateColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> _Progress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def __call__(self, name: str, event: str, outcome: Any) -> None:
        from auditlib.redaction import redact

        name = redact(name, limit=40)
        if event == "start":
            self.tasks[name] = self.progress.add_task(name, total=1, state=Text("running"))
            return
        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = self.progress.add_task(name, total=1, state=Text(""))
        if outcome.status == "ok":
            extra = ""
            if outcome.kernel_startup_seconds is not None:
                extra = (
                    f" (kernel {outcome.kernel_startup_seconds:.1f} s, imports "
                    f"{outcome.imports_seconds or 0:.1f} s)"
                )
            state = Text.assemble(("ok", "green"), f" in {outcome.seconds:.1f} s{extra}")
        else:
            state = Text.assemble(("error", "red"), ": ", redact(outcome.error or "", 500))
        self.progress.update(task, completed=1, state=state)
        self.progress.stop_task(task)


class _StateColumn(ProgressColumn):
    """Renders the task's ``state`` field, a ``rich.text.Text`` (never parsed as markup)."""

    def render(self, task: Any) -> Text:
        state = task.fields.get("state")
        return state if isinstance(state, Text) else Text(str(state or ""))


@click.command(name="run")
@click.option(
    "--source",
    "source",
    default=None,
    metavar="SRC",
    help="Export directory, PostgreSQL URL / libpq string (password only from "
    "PGPASSWORD or ~/.pgpass), or 'demo'. Default: the plan's [source] default.",
)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    callback=day_or_today,
    metavar="YYYY-MM-DD",
    help="Audit day (end of day, Europe/Stockholm). Default: today in Stockholm.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT,
    show_default=True,
    help="Archive directory of runs.",
)
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Audit plan, e.g. audits/monthly.toml. Default: every "
    "notebook with the spec's parameters.",
)
@click.option("--quiet", is_flag=True, help="Print only errors (for cron).")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Audit notebooks at the same time (default: the plan's parallelism).",
)
@click.option(
    "--demo-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Scale of generated data for --source demo (default: the plan's, 0.05).",
)
@click.option(
    "--pdf/--no-pdf",
    "pdf",
    default=None,
    help="Also write index.pdf (for sign-off) into the run before it is sealed; "
    "needs the 'pdf' extra. Default: the plan's [report] pdf setting.",
)
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default=None,
    help="Where the rules run: embedded DuckDB, or Spark (pip install "
    "'auditlib[spark]'). Default: the plan's [engine], else duckdb.",
)
@click.option(
    "--spark-master",
    "spark_master",
    default=None,
    metavar="URL",
    help="Spark master for --engine spark (spark://host:7077, yarn, k8s://...). "
    "Default: the plan's, else local[2].",
)
def command(
    source: str | None,
    as_of: date,
    out: Path,
    plan_path: Path | None,
    quiet: bool,
    jobs: int | None,
    demo_scale: float | None,
    pdf: bool | None,
    engine: str | None,
    spark_master: str | None,
) -> None:
    """Run an audit plan: snapshot, audit notebooks, findings, reports.

    Exit status: 0 every rule passed; 1 some rule failed, none errored; 2 some rule
    errored or the run could not complete; 130 interrupted by SIGINT (Ctrl-C), 143 by
    SIGTERM (nothing published, temporary files removed).
    """
    sys.exit(
        main(
            source=source,
            as_of=as_of,
            out=out,
            plan_path=plan_path,
            quiet=quiet,
            jobs=jobs,
            demo_scale=demo_scale,
            pdf=pdf,
            engine=engine,
            spark_master=spark_master,
        )
    )


def _engine_settings(planned: Any, engine: str | None, spark_master: str | None) -> Any:
    """The plan's [engine] with the command line's --engine / --spark-master on top."""
    from auditlib.runner.plan import EngineSettings

    name = engine or planned.name
    master = spark_master or (planned.spark_master if name == planned.name else None)
    return EngineSettings(name=name, spark_master=master)


def main(
    *,
    source: str | None,
    as_of: date,
    out: Path,
    plan_path: Path | None = None,
    quiet: bool = False,
    jobs: int | None = None,
    demo_scale: float | None = None,
    notebooks_dir: Path | None = None,
    pdf: bool | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> int:
    """The command as a function (tests call it); returns the exit status.

    SIGINT/SIGTERM at any point end it with 130/143 and one line saying what was
    interrupted (:mod:`auditlib.runner.interrupts`)."""
    from auditlib.runner.interrupts import RunInterrupted, interrupt_handlers

    with interrupt_handlers():
        try:
            return _main(
                source=source,
                as_of=as_of,
                out=out,
                plan_path=plan_path,
                quiet=quiet,
                jobs=jobs,
                demo_scale=demo_scale,
                notebooks_dir=notebooks_dir,
                pdf=pdf,
                engine=engine,
                spark_master=spark_master,
            )
        except RunInterrupted as exc:
            _say(
                f"auditlib run: error: interrupted by {exc.signal_name}: {exc.where}; "
                "workers and kernels stopped, nothing was published and the run's temporary "
                f"files were removed (exit {exc.exit_status})",
                err=True,
            )
            return exc.exit_status


def _main(
    *,
    source: str | None,
    as_of: date,
    out: Path,
    plan_path: Path | None,
    quiet: bool,
    jobs: int | None,
    demo_scale: float | None,
    notebooks_dir: Path | None,
    pdf: bool | None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> int:
    from auditlib.redaction import RedactingFormatter, mask_secrets, redact
    from auditlib.runner.plan import PlanError, default_plan, load_plan
    from auditlib.runner.run import RunRequest, execute_run
    from auditlib.runner.sources import SourceSpecError, resolve_source

    stream = logging.StreamHandler(sys.stderr)
    stream.setLevel(logging.ERROR if quiet else logging.WARNING)
    stream.setFormatter(RedactingFormatter("auditlib run: %(levelname)s: %(message)s"))
    logger = logging.getLogger("auditlib")
    logger.addHandler(stream)
    try:
        try:
            plan = load_plan(plan_path) if plan_path else default_plan()
        except PlanError as exc:
            _say(f"auditlib run: error: {exc}", err=True)
            return 2
        if pdf if pdf is not None else plan.report.pdf:
            from auditlib.report.pdf import pdf_problem

            problem = pdf_problem()
            if problem:  # asked for a PDF that cannot be written: refuse before the run
                click.echo(
                    f"auditlib run: error: index.pdf was asked for "
                    f"({'--pdf' if pdf else 'the plan sets [report] pdf = true'}) but "
                    f"{problem}",
                    err=True,
                )
                return 2
        spec = source or plan.source.default
        if not spec:
            _say(
                "auditlib run: error: no --source given and the plan names no "
                "[source] default; pass --source DIR|URL|demo",
                err=True,
            )
            return 2
        try:
            resolved = resolve_source(
                spec,
                as_of,
                demo_scale=demo_scale or plan.source.demo_scale,
                demo_seed=plan.source.demo_seed,
            )
        except SourceSpecError as exc:
            _say(f"auditlib run: error: {exc}", err=True)
            return 2
        except Exception as exc:  # noqa: BLE001 - e.g. demo generation failed: cannot run
            _say(
                f"auditlib run: error: preparing source {mask_secrets(spec)!r} failed: "
                f"{type(exc).__name__}: {redact(str(exc))}",
                err=True,
            )
            return 2
        settings = _engine_settings(plan.engine, engine, spark_master)
        if settings.name == "spark":
            from auditlib.engines.spark.session import (
                SparkUnavailable,
                require_java,
                require_pyspark,
            )

            try:  # one line saying what to install, before any notebook starts
                require_pyspark()
                require_java()
            except SparkUnavailable as exc:
                _say(f"auditlib run: error: {exc}", err=True)
                return 2
        req = RunRequest(
            source=resolved,
            as_of=as_of,
            out=out,
            plan=plan,
            parallelism=jobs,
            notebooks_dir=notebooks_dir,
            pdf=pdf,
            engine=settings,
        )
        try:
            if quiet:
                outcome = execute_run(req)
            else:
                with _Progress() as progress:
                    req.progress = progress
                    outcome = execute_run(req)
        except OSError as exc:  # the archive cannot be written (read-only, full, no access)
            logger.debug("the run could not complete", exc_info=True)
            _say(
                f"auditlib run: error: the run could not complete: writing to the archive "
                f"{Path(out).resolve()} failed: {exc.strerror or redact(str(exc))} (disk full "
                "or read-only, or no permission?); nothing was published and the run's "
                "temporary files were removed",
                err=True,
            )
            return 2
        except Exception as exc:  # noqa: BLE001 - the run could not complete: exit 2, not 1
            logger.debug("the run could not complete", exc_info=True)
            _say(
                f"auditlib run: error: the run could not complete: "
                f"{type(exc).__name__}: {redact(str(exc))}; nothing was published and the "
                "run's temporary files were removed",
                err=True,
            )
            return 2
        s = outcome.summary
        counts: dict[str, int] = {}
        for r in s["rules"].values():
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        line = (
            f"run {outcome.run_id}: {s['verdict']} (exit {outcome.exit_status}); rules "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"; findings {sum(r['findings'] for r in s['rules'].values())}; "
            f"{outcome.run_dir}"
        )
        # exit 2 goes to stderr (cron mails it, also with --quiet); exit 1 names the failing
        # rules and gates unless --quiet (findings are in the report, not an operational error)
        from auditlib.report.terminal import failure_lines, plain_text

        to_err = outcome.exit_status == 2
        if to_err or not quiet:
            click.echo(plain_text(line), err=to_err)
            if outcome.exit_status in (1, 2):
                for b in failure_lines(s):
                    click.echo(f"  {b}", err=to_err)
        return outcome.exit_status
    finally:
        logger.removeHandler(stream)
