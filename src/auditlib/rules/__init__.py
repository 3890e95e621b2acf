"""The rule catalogue (one TOML file per rule in ``catalogue/``) and its engine."""

from auditlib.rules.catalogue_loader import Rule, load_catalogue
from auditlib.rules.engine import Finding, RuleResult, evaluate_rules

__all__ = ["Finding", "Rule", "RuleResult", "evaluate_rules", "load_catalogue"]
