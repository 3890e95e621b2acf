"""Planted data-quality cases DQ-03..05 (see :mod:`auditlib.demo.planted`)."""

from __future__ import annotations

from datetime import timedelta

from auditlib.demo.clock import at
from auditlib.demo.planted.core import MISSING_RECIPIENT, Planter


def plant(p: Planter) -> None:
    d, tr, ago = p.d, p.truth, p.ago
    # DQ-03: a delivery whose recipient is gone (message, customer and gateway are fine)
    p.message(
        p.act, p.act_rows["user"], at(ago(12), 10, 0), [p.act_rows["recipient"], MISSING_RECIPIENT]
    )
    tr.hit(
        "DQ-03",
        "message_deliveries",
        f"delivery to recipient {MISSING_RECIPIENT}, which does not exist",
    )
    # DQ-04: a lower-case country code in customers (no rule reads customers.country)
    c = p.customer("Gemener", ago(700), [(ago(700), None, "basic")], country="se")
    p.service(c, ago(650), ago(3))
    tr.hit("DQ-04", "customers", f"customer {c} has country 'se' (not ISO alpha-2 upper case)")
    # DQ-05: time-impossible rows
    p.row(
        "support_tickets",
        "ticket_id",
        customer_id=p.act,
        contact_name="Kund Fyra",
        contact_email="kund.t4@aktivbolaget.se",
        channel="email",
        subject="Tidsfel",
        opened_at=at(ago(3), 10, 0),
        closed_at=at(ago(4), 9, 0),
    )
    tr.hit("DQ-05", "support_tickets", "closed_at before opened_at")
    p.future_ok = {"cookie_consents"}
    p.row(
        "cookie_consents",
        "consent_id",
        visitor_id="planted-consent-future",
        ip_address="90.224.1.12",
        consented_at=at(ago(2), 12, 0),
        categories="necessary",
        withdrawn_at=at(d + timedelta(days=1), 12, 0),
    )
    p.future_ok = set()
    tr.hit("DQ-05", "cookie_consents", "withdrawn_at after the snapshot time")
