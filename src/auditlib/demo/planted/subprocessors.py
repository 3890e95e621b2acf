"""Planted cases of the subprocessor rules SUB-01..06 (see :mod:`auditlib.demo.planted`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from auditlib.demo import register as reg
from auditlib.demo.clock import at
from auditlib.demo.planted.core import Planter


def plant(p: Planter) -> None:
    d, tr, ago = p.d, p.truth, p.ago
    subs = reg.register(d)
    for s in subs:
        p.row(
            "subprocessors",
            "subprocessor_id",
            subprocessor_id=s.subprocessor_id,
            name=s.name,
            service=s.service,
            legal_country=s.legal_country,
            processes_personal_data=s.processes_personal_data,
            dpa_signed_on=s.dpa_signed_on,
            engaged_on=s.engaged_on,
            disengaged_on=s.disengaged_on,
            customers_notified_on=s.customers_notified_on,
        )
        for country, kind in s.locations:
            p.rows["subprocessor_locations"].append(
                {"subprocessor_id": s.subprocessor_id, "country": country, "kind": kind}
            )

    def transfer(
        sp: int, when: datetime, country: str, category: str = "contact_details", n: int = 120
    ) -> int:
        return p.row(
            "data_transfers",
            "transfer_id",
            subprocessor_id=sp,
            customer_id=p.act,
            occurred_at=when,
            destination_country=country,
            data_category=category,
            record_count=n,
        )

    tr.hit("SUB-01", reg.ALPINE, "support access from CH (adequacy is not EEA)")
    tr.near("SUB-01", reg.FJORD, "locations NO and IS: EEA")
    tr.near("SUB-01", reg.HELLAS, "location written 'EL': Greece")
    tr.near("SUB-01", reg.OVERSEAS_VAULT, "US location, but disengaged at D")
    tr.near("SUB-01", reg.STATUSPAGE, "GB, but processes no personal data")
    tr.hit("SUB-02", reg.ATLANTIC, "US legal entity with EU hosting")
    tr.near("SUB-02", reg.FJORD, "legal seat NO: EEA")
    tr.hit("SUB-03", reg.QUICKSIGN, "no DPA")
    tr.hit("SUB-03", reg.FORMBYRAN, "DPA signed after engagement")
    tr.near("SUB-03", reg.FJORD, "DPA signed on the engagement day")
    tr.near("SUB-03", reg.STATUSPAGE, "no DPA, but processes no personal data")
    tr.hit("SUB-04", reg.PLING, "customers never notified")
    tr.hit("SUB-04", reg.KUNDENKAT, "notified only 10 days ahead")
    tr.near("SUB-04", reg.CHAT, "notified exactly 30 days ahead")
    tr.near("SUB-04", reg.HOSTING, "engaged before notice_required_since, never notified")

    # SUB-05: egress log shows US transfers of an otherwise clean subprocessor
    transfer(reg.CLOUDMETRICS, at(ago(90), 14, 0), "SE", "billing")
    transfer(reg.CLOUDMETRICS, at(ago(60), 14, 0), "US", "contact_details", 5400)
    transfer(reg.CLOUDMETRICS, at(ago(30), 14, 0), "US", "contact_details", 5100)
    tr.hit("SUB-05", reg.CLOUDMETRICS, "two transfers to US")
    transfer(reg.FJORD, at(ago(50), 10, 0), "NO")
    transfer(reg.FJORD, at(ago(49), 10, 0), "IS")
    tr.near("SUB-05", reg.FJORD, "transfers to NO and IS (EEA)")
    transfer(reg.HELLAS, at(ago(48), 3, 0), "EL", "message_content", 90000)
    tr.near("SUB-05", reg.HELLAS, "transfer to 'EL' = Greece")
    # 'EL' is the EU's code for Greece; the spec says to read it as GR, so it is inside the
    # country domain too (no DQ-04), although ISO 3166-1 does not assign it.
    tr.near("DQ-04", "subprocessor_locations", "country 'EL' (the EU's code for Greece)")
    tr.near("DQ-04", "data_transfers", "destination_country 'EL' (the EU's code for Greece)")

    # SUB-06: unregistered id; a transfer before engagement; deliveries on the disengagement day
    transfer(reg.UNREGISTERED, at(ago(20), 12, 0), "SE")
    tr.hit("SUB-06", reg.UNREGISTERED, "transfers to a subprocessor id that is not in the register")
    prt = next(s for s in subs if s.subprocessor_id == reg.PRINT)
    transfer(reg.PRINT, at(prt.engaged_on - timedelta(days=5), 12, 0), "SE", "billing")
    transfer(reg.PRINT, at(prt.engaged_on, 9, 0), "SE", "billing")
    tr.hit("SUB-06", reg.PRINT, "a transfer 5 days before engaged_on (one on engaged_on is fine)")
    snabb = next(s for s in subs if s.subprocessor_id == reg.SNABB_SMS)
    old_sms = next(s for s in subs if s.subprocessor_id == reg.OLD_SMS)
    assert snabb.disengaged_on and old_sms.disengaged_on
    r = [p.act_rows["recipient"]]
    p.message(
        p.act,
        p.act_rows["user"],
        at(snabb.disengaged_on, 0, 25),
        r,
        "sms",
        reg.SNABB_SMS,
        timedelta(minutes=5),
    )
    tr.hit(
        "SUB-06",
        reg.SNABB_SMS,
        "SMS delivered 00:30 Stockholm on its disengaged_on (UTC: the day before)",
    )
    p.message(
        p.act,
        p.act_rows["user"],
        at(old_sms.disengaged_on - timedelta(days=1), 23, 25),
        r,
        "sms",
        reg.OLD_SMS,
        timedelta(minutes=5),
    )
    tr.near("SUB-06", reg.OLD_SMS, "last SMS delivered 23:30 the day before disengaged_on")

    # SUB-07: a backup kept at the former US vendor; near misses NO, and CH but destroyed
    b = p.backup(
        at(ago(10), 1, 45), at(d + timedelta(days=25), 1, 45), None, "US", reg.OVERSEAS_VAULT
    )
    tr.hit("SUB-07", b, "existing backup stored in US")
    b = p.backup(at(ago(9), 1, 45), at(d + timedelta(days=26), 1, 45), None, "NO", reg.BACKUP)
    tr.near("SUB-07", b, "existing backup stored in NO (EEA)")
    b = p.backup(
        at(ago(60), 1, 45), at(ago(25), 1, 45), at(ago(25), 2, 5), "CH", reg.OVERSEAS_VAULT
    )
    tr.near("SUB-07", b, "backup stored in CH was destroyed before D")
