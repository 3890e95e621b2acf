"""Demo data: a generated export of the service database with planted audit cases.

``generate_export(out_dir, scale=, seed=, as_of=, fmt=, ground_truth_path=)`` writes
all 18 tables of ``schema.sql`` as an export (Parquet, CSV or gzipped CSV, with
``manifest.json``) and ``ground_truth.json`` beside it: the findings every rule
must produce at ``as_of`` (``expected``), look-alikes it must not flag
(``near_misses``) and the customers under a legal hold. See ``planted.py``.
"""

from auditlib.demo.generate import DemoExport, build_tables, generate_export

__all__ = ["DemoExport", "build_tables", "generate_export"]
