"""Auditing the privacy policy text itself (POL rules).

- :mod:`~auditlib.policy.document`: text / Markdown / HTML -> sections and sentences with
  stable references (``read_policy``, ``parse_policy``);
- :mod:`~auditlib.policy.checklist`: ``data/policy_checklist.toml`` (Art. 13/14 elements,
  narrowed rights, obsolete names, ...) with bounded, linear-time patterns;
- :mod:`~auditlib.policy.rules`: the POL rule files ``policy/rules/POL-NN.toml``;
- :mod:`~auditlib.policy.completeness`, :mod:`~auditlib.policy.hygiene`,
  :mod:`~auditlib.policy.promises`, :mod:`~auditlib.policy.rights`: the checks;
- :mod:`~auditlib.policy.engine`: ``audit_policy(path, params, as_of) -> PolicyAudit``.
"""

from auditlib.policy.document import PolicyDocument, PolicyInputError, parse_policy, read_policy
from auditlib.policy.engine import PolicyAudit, audit_document, audit_policy
from auditlib.policy.rules import PolicyRule, load_policy_rules

__all__ = [
    "PolicyAudit",
    "PolicyDocument",
    "PolicyInputError",
    "PolicyRule",
    "audit_document",
    "audit_policy",
    "load_policy_rules",
    "parse_policy",
    "read_policy",
]
