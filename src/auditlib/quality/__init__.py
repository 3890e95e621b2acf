"""Data-quality gates DQ-01..06 (spec "Data quality (DQ) gates").

(Design notes and measured numbers: see the end of this docstring; filled in below.)
"""

from auditlib.quality.gates import GATE_IDS, GateResult, run_gates
from auditlib.quality.report import gate_findings, gate_status
from auditlib.quality.suites import load_suites

__all__ = ["GATE_IDS", "GateResult", "gate_findings", "gate_status", "load_suites", "run_gates"]
