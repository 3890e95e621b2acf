"""auditlib: a GDPR audit and reporting workbench for Netdialog one2many.

Stages, one package each: ``demo`` (a generated service database) ->
``source`` + ``snapshot`` (extract into a minimised DuckDB file) -> ``quality``
(DQ gates) -> ``rules`` (the catalogue and its engine) -> ``runner`` (plans,
notebooks, findings) -> ``report`` (rendered, verifiable evidence).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
