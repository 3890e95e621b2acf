"""An export directory (service-db/README.md "An export") as a snapshot source (:mod:`.source`)."""

from auditlib.source.export.source import ExportSource, locate_utf8_error

__all__ = ["ExportSource", "locate_utf8_error"]
