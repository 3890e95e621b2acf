"""One notebook in its own process: ``python -m auditlib.runner.worker JOB.json``.

The runner starts one worker per notebook so notebooks run in parallel and a
hung or dying kernel takes down only its own notebook. The worker runs
papermill with the explicit kernel ``python3`` (jupyter_client replaces the
kernelspec's ``python`` with this interpreter, so the kernel is this venv's
ipykernel; the notebook records ``sys.prefix`` and the runner compares), the
per-cell ``execution_timeout``, and writes a status file:

``{"status": "ok"|"error", "error": str|None, "error_kind": ..., "cell": int|None,
"seconds", "kernel_startup_seconds", "imports_seconds"}``

Failure kinds, all reported as ``error`` (fail closed):

- ``cell_error``: a cell raised (papermill's ``PapermillExecutionError``, which
  carries the cell index, exception name and value);
- ``cell_timeout``: nbclient's ``CellTimeoutError``. Papermill does not mark the
  output notebook for it (no error output, ``exception`` metadata not set), so it
  would look successful: the worker catches it explicitly and, as a second
  guard, any cell without ``papermill.end_time`` or with ``papermill.exception``
  after a "successful" run is an error too;
- ``kernel_died``: nbclient's ``DeadKernelError``;
- anything else papermill raises (unreadable notebook, missing kernel).

The wall-clock limit is the runner's: it kills the worker and its kernel.
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from auditlib.jsonio import write_json_atomic

KERNEL_NAME = "python3"


def _parse_time(value: Any) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def notebook_timings(nb: Any, started: float) -> dict[str, float | None]:
    """Kernel start-up (worker start -> first code cell starts) and the ``imports`` cell time."""
    first_start = None
    imports = None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        pm = cell.metadata.get("papermill", {})
        start, end = _parse_time(pm.get("start_time")), _parse_time(pm.get("end_time"))
        if first_start is None and start is not None:
            first_start = start
        if "imports" in cell.metadata.get("tags", []) and start and end:
            imports = end - start
    return {
        "kernel_startup_seconds": round(first_start - started, 3) if first_start else None,
        "imports_seconds": round(imports, 3) if imports is not None else None,
    }


def unfinished_cell(nb: Any) -> int | None:
    """Index of the first code cell that raised or never finished, else None.

    The second guard against a timeout or a killed kernel that left the output
    notebook looking successful.
    """
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        pm = cell.metadata.get("papermill", {})
        if pm.get("exception") or pm.get("status") != "completed" or not pm.get("end_time"):
            return i
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i
    return None


# Kernel start-up limit (papermill's ``start_timeout``, 60 s by default). A loaded 2-core
# CI machine once took longer than 60 s for one of two kernels starting together; the
# notebook's wall-clock limit still bounds the whole notebook.
KERNEL_START_TIMEOUT = 180

# A Unix socket path has at most 107 bytes on Linux (103 on macOS); the kernel's sockets
# are ``<dir>/k-<n>``.
_MAX_IPC_DIR = 90


def kernel_transport(kernel_dir: str | None) -> str:
    """``ipc`` (Unix sockets in the job's private kernel directory) when that directory
    is given and short enough for a socket path, else ``tcp``.

    Over TCP, jupyter_client picks a kernel's five ports by binding port 0 and releasing
    it before the kernel binds them; two workers starting kernels at the same moment (the
    audit notebooks run in parallel) can pick the same port, and one kernel then never
    answers (papermill#239: "Kernel didn't respond in 60 seconds", seen once in CI). Unix
    sockets in a directory of the job's own have no such race and are not reachable from
    other users or the network."""
    if kernel_dir and len(kernel_dir) <= _MAX_IPC_DIR:
        return "ipc"
    return "tcp"


def _kernel_manager_class(kernel_dir: str | None = None) -> type:
    """jupyter_client's kernel manager without the interrupt before a clean shutdown,
    talking to its kernel over :func:`kernel_transport`.

    ``shutdown_kernel()`` sends SIGINT to the kernel before it asks it to shut down;
    an idle kernel then logs ``ERROR | KeyboardInterrupt caught in kernel`` into the
    worker log, which in a successful run is noise that looks like a fault. After the
    last cell the kernel is idle, so the polite shutdown request suffices; a forced
    shutdown (``now=True``) still kills it, and nbclient's cell timeout still
    interrupts a running cell (that path is not a shutdown).
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    transport = kernel_transport(kernel_dir)

    class QuietShutdownKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self) -> str:
            return transport

        @default("ip")
        def _ip_default_in_kernel_dir(self) -> str:
            # An absolute prefix: the kernel runs in the notebook's cwd, the client not.
            if transport == "ipc" and kernel_dir:
                return str(Path(kernel_dir) / "k")
            return str(self._ip_default())

        @default("connection_file")
        def _connection_file_in_kernel_dir(self) -> str:
            return str(Path(kernel_dir) / "kernel.json") if kernel_dir else ""

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


_ANSI_CSI = re.compile(r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]")
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown")


def redact_outputs(nb: Any) -> bool:
    """Redact the executed notebook's text outputs in place (it is shared in the run
    directory and rendered into the report): error values and tracebacks (an exception
    text may quote data), streams and the text of displayed values, through
    :func:`auditlib.redaction.redact`. IPython's colour codes in tracebacks are dropped
    first (they would otherwise show as escapes). Images are left alone. True if
    anything changed."""
    from auditlib.redaction import redact

    def clean(text: str) -> str:
        return "\n".join(redact(line, limit=None) for line in _ANSI_CSI.sub("", text).split("\n"))

    changed = False
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            before = repr(o)
            if o.get("output_type") == "error":
                o["evalue"] = clean(str(o.get("evalue", "")))
                o["traceback"] = [clean(str(t)) for t in o.get("traceback", [])]
            elif o.get("output_type") == "stream":
                o["text"] = clean("".join(o.get("text", "")))
            for mime in _TEXT_MIMES:
                data = o.get("data", {})
                if mime in data:
                    v = data[mime]
                    data[mime] = clean("".join(v) if isinstance(v, list) else str(v))
            changed = changed or repr(o) != before
    return changed


def execute(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook as ``job`` says; never raises: the result says what happened."""
    from auditlib.jupyter_imports import skip_unused_format_checker

    skip_unused_format_checker()
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    started = time.time()
    t0 = time.perf_counter()
    result: dict[str, Any] = {"status": "ok", "error": None, "error_kind": None, "cell": None}
    try:
        pm.execute_notebook(
            job["input"],
            job["output"],
            parameters=job.get("parameters") or {},
            kernel_name=job.get("kernel_name", KERNEL_NAME),
            execution_timeout=job.get("cell_timeout"),
            progress_bar=False,
            log_output=False,
            cwd=job.get("cwd"),
            request_save_on_cell_execute=True,
            start_timeout=job.get("start_timeout", KERNEL_START_TIMEOUT),
            kernel_manager_class=_kernel_manager_class(job.get("kernel_dir")),
        )
    except pm.PapermillExecutionError as exc:
        result.update(
            status="error",
            error_kind="cell_error",
            cell=exc.exec_count,
            error=f"cell [{exc.exec_count}] raised {exc.ename}: {exc.evalue}",
        )
    except CellTimeoutError as exc:
        result.update(
            status="error",
            error_kind="cell_timeout",
            error=f"a cell ran longer than the cell timeout of "
            f"{job.get('cell_timeout')} s: {str(exc).splitlines()[0]}",
        )
    except DeadKernelError as exc:
        result.update(status="error", error_kind="kernel_died", error=f"the kernel died: {exc}")
    except Exception as exc:  # noqa: BLE001 - every failure becomes the notebook's error
        result.update(status="error", error_kind="papermill", error=f"{type(exc).__name__}: {exc}")
    result["seconds"] = round(time.perf_counter() - t0, 3)
    out = Path(job["output"])
    if out.exists():
        try:
            nb = nbformat.read(out, as_version=4)
        except Exception as exc:  # noqa: BLE001
            nb = None
            if result["status"] == "ok":
                result.update(
                    status="error",
                    error_kind="output",
                    error=f"the executed notebook cannot be read: {exc}",
                )
        if nb is not None:
            if redact_outputs(nb):
                nbformat.write(nb, out)
            result.update(notebook_timings(nb, started))
            bad = unfinished_cell(nb)
            if result["cell"] is None:
                result["cell"] = bad
            if result["status"] == "ok" and bad is not None:
                result.update(
                    status="error",
                    error_kind="unfinished",
                    cell=bad,
                    error=f"cell {bad} did not finish (timeout or interrupted)",
                )
    elif result["status"] == "ok":
        result.update(status="error", error_kind="output", error="no output notebook written")
    return result


def die_with_runner() -> None:
    """Linux: get SIGTERM when the runner dies (even by SIGKILL), so no worker keeps
    writing into an abandoned run directory; the kernel's own parent poller (ipykernel)
    then ends the kernel. Exits at once if the runner is already gone."""
    import ctypes
    import os
    import signal

    runner = os.environ.get("AUDITLIB_RUNNER_PID")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the runner's clean-up still applies
        return
    if runner and os.getppid() != int(runner):
        raise SystemExit(3)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    die_with_runner()
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    result = execute(job)
    write_json_atomic(Path(job["status_file"]), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
