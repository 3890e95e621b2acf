"""The ``auditlib`` command: a thin click group over the library.

Subcommands live one per module (``auditlib.cli.<module>``) and are imported
only when called, so ``auditlib --help`` and ``auditlib verify`` stay fast
(no pandas, no Great Expectations at start-up).
"""

from __future__ import annotations

import importlib

import click

from auditlib import __version__

# command name -> "module:attribute" (a click.Command or click.Group)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo-data": ("auditlib.cli.demo", "Write a generated demo export of the service database."),
    "pg": ("auditlib.cli.pg", "PostgreSQL helpers: load an export, run a throwaway cluster."),
    "snapshot": ("auditlib.cli.snapshot", "Extract a minimised, pseudonymised DuckDB snapshot."),
    "run": ("auditlib.cli.run", "Run an audit plan: snapshot, audits, findings, reports."),
    "verify": (
        "auditlib.cli.verify",
        "Check a run (or --archive) against its signed, chained manifest.",
    ),
    "reperform": ("auditlib.cli.reperform", "Re-run the rules on a run's snapshot and compare."),
    "keygen": ("auditlib.cli.keygen", "Make an Ed25519 key for signing run manifests."),
    "archive": ("auditlib.cli.archive", "Rebuild the archive index of past runs."),
    "policy": ("auditlib.cli.policy", "Audit the privacy policy text itself (POL rules)."),
    "pdf": ("auditlib.cli.pdf", "Print an existing run's report to a PDF file (run untouched)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[cmd_name][0])
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditlib")
def main() -> None:
    """auditlib: audit Netdialog one2many against its privacy policy.

    Typical use: `auditlib run --source demo` (generated demo data) or
    `auditlib run --source postgresql://auditor@host/db --plan audits/monthly.toml`.
    """
