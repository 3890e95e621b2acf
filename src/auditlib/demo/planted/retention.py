"""Planted cases of the retention rules RET-01..09 (see :mod:`auditlib.demo.planted`)."""

from __future__ import annotations

from datetime import date, timedelta

from auditlib.demo.anchors import (
    last_before_limit,
    latest,
)
from auditlib.demo.bulk import BACKUP_DAYS
from auditlib.demo.clock import at
from auditlib.demo.planted.core import PLANT_BASE, Planter, _d


def plant(p: Planter) -> None:
    d, tr, ago = p.d, p.truth, p.ago
    old = ago(1500)

    # hosts for DSR-04, subject erasures, DQ-03 and SUB-06 deliveries
    p.act = p.customer("Aktivbolaget", old, [(old, None, "pro")])
    p.act_rows = p.service(p.act, old + timedelta(days=5), ago(3))
    p.act2 = p.customer("Andrabolaget", old, [(old, None, "basic")])
    p.service(p.act2, old + timedelta(days=5), ago(4))

    # RET-01: ended 100 days ago, nothing deleted; the offboarding run failed
    e = ago(100)
    c = p.customer("Slutkund", ago(1600), [(ago(1600), e, "basic")])
    p.service(c, ago(1500), e - timedelta(days=5))
    p.run("customer_offboarding", at(p.due(e), 2, 0), None, "failed", customer_id=c)
    tr.hit(
        "RET-01",
        c,
        f"ended {_d(e)}, deletion_due {_d(p.due(e))}, all Service rows left; offboarding run failed",
    )

    # RET-01, month end: relationship_end 31 Jan, deletion_due clamps to 28/29 Feb
    jan31 = latest(
        lambda x: x.month == 1 and x.day == 31 and p.due(x) <= ago(60), ago(60), ago(800)
    )
    assert jan31 is not None
    c = p.customer(
        "Månadsskifte", jan31 - timedelta(days=700), [(jan31 - timedelta(days=700), jan31, "pro")]
    )
    p.service(c, jan31 - timedelta(days=600), jan31 - timedelta(days=10), logins=False)
    tr.hit(
        "RET-01", c, f"ended {_d(jan31)}; deletion_due {_d(p.due(jan31))} (31 Jan + 1 month clamps)"
    )

    # RET-01 + RET-02: offboarding run completed but login_events were forgotten
    e = ago(130)
    c = p.customer("Loggkvar", ago(1400), [(ago(1400), e, "basic")])
    run = p.offboard(c, p.due(e))
    p.login(PLANT_BASE + 8_000, c, at(e - timedelta(days=10), 8, 5))
    p.login(PLANT_BASE + 8_000, c, at(e - timedelta(days=5), 16, 45))
    tr.hit("RET-01", c, "ended and offboarded, but login_events rows remain")
    tr.hit(
        "RET-02",
        run,
        "customer_offboarding completed; login_events from before completed_at remain",
    )

    # held: hold in force since 200 days; deletion_due 20 days ago; old login events (RET-09 exempt);
    # daily backups taken on or before its deletion_due still exist (RET-03 exempt)
    e = ago(50)
    c = p.customer("Spärrad", ago(2000), [(ago(2000), e, "enterprise")])
    u = p.service(c, ago(1900), e - timedelta(days=3))["user"]
    p.login(u, c, at(ago(400), 9, 0))
    p.hold(c, ago(200), None)
    tr.held_customers.append(c)
    tr.near("RET-01", c, "ended, past deletion_due, rows remain, but a legal hold is in force")
    tr.near("RET-09", c, "login event older than 12 months, but a legal hold is in force")
    held_backup = (
        BACKUP_DAYS - (d - (p.due(e) - timedelta(days=3))).days
    )  # daily backup id (bulk.py)
    tr.near(
        "RET-03",
        held_backup,
        "backup taken before the deletion_due of a customer under a legal hold only",
    )

    # held from today: placed_on = D counts as in force
    e = ago(200)
    c = p.customer("Spärridag", ago(1700), [(ago(1700), e, "pro")])
    p.service(c, ago(1600), e - timedelta(days=3), logins=False)
    p.hold(c, d, None)
    tr.held_customers.append(c)
    tr.near("RET-01", c, "legal hold placed on D itself: in force at the end of D")

    # hold lifted on D: not in force any more, but deletion_due moves to add_months(D, grace)
    e = ago(250)
    c = p.customer("Hävdidag", ago(1700), [(ago(1700), e, "pro")])
    p.service(c, ago(1600), e - timedelta(days=3), logins=False)
    p.hold(c, ago(300), d)
    tr.near("RET-01", c, f"hold lifted on D; deletion_due moved to {_d(p.due(d))}")

    # hold lifted 110 days ago: deletion_due = lift + 1 month has passed -> RET-01
    e, lift = ago(300), ago(110)
    c = p.customer("Hävdtidigare", ago(1700), [(ago(1700), e, "basic")])
    p.service(c, ago(1600), e - timedelta(days=3), logins=False)
    p.hold(c, ago(400), lift)
    tr.hit("RET-01", c, f"hold lifted {_d(lift)}; deletion_due moved to {_d(p.due(lift))}, passed")

    # hold lifted 10 days ago: deletion_due moved past D -> no finding
    e = ago(250)
    c = p.customer("Hävdnyss", ago(1700), [(ago(1700), e, "basic")])
    p.service(c, ago(1600), e - timedelta(days=3), logins=False)
    p.hold(c, ago(300), ago(10))
    tr.near("RET-01", c, f"hold lifted {_d(ago(10))}; deletion_due moved to {_d(p.due(ago(10)))}")

    # deletion_due == D (or the first end day whose due is not before D)
    e = latest(lambda x: p.due(x) == d, ago(25), ago(40)) or next(
        x for x in (ago(40) + timedelta(days=i) for i in range(20)) if p.due(x) >= d
    )
    c = p.customer("Förfallerdag", ago(900), [(ago(900), e, "pro")])
    p.service(c, ago(800), e - timedelta(days=2), logins=False)
    tr.near("RET-01", c, f"deletion_due {_d(p.due(e))} is not before D: D is not after it")

    # a contract ending on D is still running on D
    c = p.customer("Slutaridag", ago(900), [(ago(900), ago(400), "basic"), (ago(399), d, "pro")])
    p.service(c, ago(800), ago(2))
    tr.near("RET-01", c, "last contract ends_on = D: the relationship has not ended at D")

    # RET-02 only: ended 15 days ago, offboarded early, users/recipients left (not yet due)
    e = ago(15)
    c = p.customer("Tidigstädad", ago(800), [(ago(800), e, "basic")])
    p.service(c, ago(700), e - timedelta(days=2), logins=False)
    run = p.run(
        "customer_offboarding",
        at(ago(6), 20, 0),
        at(ago(5), 10, 0),
        "completed",
        customer_id=c,
        rows=3,
    )
    tr.hit("RET-02", run, "offboarding completed before deletion_due, but users/recipients remain")

    # returning customer: offboarded, then a new contract; only rows created after the run remain
    e1 = ago(430)
    c = p.customer("Återkommande", ago(1500), [(ago(1500), e1, "basic"), (ago(200), None, "pro")])
    run = p.offboard(c, p.due(e1))
    p.service(c, ago(190), ago(2))
    tr.near("RET-02", run, "customer came back; only rows created after the offboarding run exist")

    # RET-03: customer K3 offboarded ~50 days ago; backup B3 taken 3 days before the run (kept a year)
    e = ago(80)
    due3 = p.due(e)
    k3 = p.customer("Säkerhetskopia", ago(1000), [(ago(1000), e, "pro")])
    p.offboard(k3, due3, 14, 0)
    b3 = p.backup(at(due3 - timedelta(days=3), 1, 45), at(d + timedelta(days=300), 1, 45), None)
    tr.hit(
        "RET-03", b3, f"taken before the offboarding run of customer {k3} (deletion_due {_d(due3)})"
    )
    b3n = p.backup(at(due3 + timedelta(days=1), 1, 45), at(d + timedelta(days=300), 1, 45), None)
    tr.near("RET-03", b3n, f"taken after the offboarding run of customer {k3} completed")

    # RET-04: expired 5 days ago, never destroyed
    b4 = p.backup(at(ago(40), 1, 45), at(ago(5), 1, 45), None)
    tr.hit("RET-04", b4, f"expires_at {_d(ago(5))}, still exists")
    b = p.backup(at(ago(36), 1, 45), at(d, 0, 30), None)
    tr.near("RET-04", b, "expires 00:30 on D (22:30 UTC the day before): not past its expiry date")
    b = p.backup(at(ago(45), 1, 45), at(ago(10), 1, 45), at(d, 0, 20))
    tr.near(
        "RET-04", b, "expired 10 days ago, destroyed 00:20 on D (previous day in UTC): gone at D"
    )

    # RET-05 / RET-06: an old customer's invoices of expired fiscal years
    y = d.year
    c_old = p.customer(
        "Gammalkund", date(y - 9, 1, 10), [(date(y - 9, 1, 10), date(y - 7, 12, 31), "basic")]
    )
    p.offboard(c_old, p.due(date(y - 7, 12, 31)))
    inv = [
        (y - 8, 1, date(y - 8, 3, 1)),
        (y - 8, 3, date(y - 8, 4, 1)),
        (y - 7, 1, date(y - 7, 12, 1)),
    ]
    for fy, n, issued in inv:
        iid = p.row(
            "invoices",
            "invoice_id",
            customer_id=c_old,
            invoice_number=f"{fy}-{n:06d}",
            fiscal_year=fy,
            issued_on=issued,
            amount_sek=612,
            billing_email=f"faktura@{p.domains[c_old]}",
        )
        if fy == y - 8:
            tr.hit("RET-05", iid, f"fiscal year {fy}: keep_until 31 Dec {fy + 7} has passed")
        else:
            tr.near("RET-05", iid, f"fiscal year {fy}: keep_until 31 Dec {fy + 7} is not before D")
    tr.near("RET-06", f"{y - 8}-000002", "gap in a fiscal year whose keep_until has passed")
    p.old_customer = c_old
    gap_year = y - 1
    tr.invoice_gap = (gap_year, (5, 6))
    for n in (5, 6):
        tr.hit("RET-06", f"{gap_year}-{n:06d}", f"missing from the {gap_year} series")

    # RET-07: ticket closed 24 months + 1 day ago (23:30) vs. exactly 24 months (00:30 = UTC day before)
    x = last_before_limit(p.p.support_ticket_retention_months, d)
    tk = p.row(
        "support_tickets",
        "ticket_id",
        customer_id=None,
        contact_name="Besökare Ett",
        contact_email="besokare.t1@hotmail.se",
        channel="email",
        subject="Fråga om pris",
        opened_at=at(x - timedelta(days=2), 10, 0),
        closed_at=at(x, 23, 30),
    )
    tr.hit("RET-07", tk, f"closed {_d(x)}; kept past 24 months")
    tk = p.row(
        "support_tickets",
        "ticket_id",
        customer_id=None,
        contact_name="Besökare Två",
        contact_email="besokare.t2@hotmail.se",
        channel="chat",
        subject="Fråga om pris",
        opened_at=at(x - timedelta(days=1), 10, 0),
        closed_at=at(x + timedelta(days=1), 0, 30),
    )
    tr.near(
        "RET-07",
        tk,
        f"closed 00:30 on {_d(x + timedelta(days=1))} (UTC: the day before): limit is D",
    )
    tk = p.row(
        "support_tickets",
        "ticket_id",
        customer_id=p.act,
        contact_name="Kund Tre",
        contact_email="kund.t3@aktivbolaget.se",
        channel="email",
        subject="Långt ärende",
        opened_at=at(ago(1400), 10, 0),
        closed_at=None,
    )
    tr.near("RET-07", tk, "opened long ago, still open (closed_at NULL)")

    # RET-08: one consent past 13 months; one exactly at the limit (00:30 = UTC day before)
    x = last_before_limit(p.p.cookie_consent_retention_months, d)
    p.row(
        "cookie_consents",
        "consent_id",
        visitor_id="planted-consent-old",
        ip_address="90.224.1.10",
        consented_at=at(x, 23, 30),
        categories="necessary,analytics",
    )
    p.row(
        "cookie_consents",
        "consent_id",
        visitor_id="planted-consent-limit",
        ip_address="90.224.1.11",
        consented_at=at(x + timedelta(days=1), 0, 30),
        categories="necessary",
    )
    tr.hit(
        "RET-08",
        "cookie_consents",
        f"one consent of {_d(x)} past 13 months (another at the limit is not)",
    )

    # RET-09: login event 12 months + 1 day ago vs. exactly at the limit
    x = last_before_limit(p.p.login_event_retention_months, d)
    c = p.customer("Gammallogg", ago(1200), [(ago(1200), None, "pro")])
    u = p.service(c, ago(1100), ago(2))["user"]
    p.login(u, c, at(x, 23, 30))
    tr.hit("RET-09", c, f"login event of {_d(x)} older than 12 months")
    c = p.customer("Gränslogg", ago(1200), [(ago(1200), None, "pro")])
    u = p.service(c, ago(1100), ago(2))["user"]
    p.login(u, c, at(x + timedelta(days=1), 0, 30))
    tr.near(
        "RET-09",
        c,
        f"login event 00:30 on {_d(x + timedelta(days=1))} (UTC: day before): exactly 12 months",
    )

    # RET-02, subject erasure: e-mail still in users (different case and blanks in the run)
    u = p.user(p.act, "maja.lindqvist.r1@aktivbolaget.se", at(ago(400), 9, 0), "Maja Lindqvist")
    run = p.run(
        "subject_erasure",
        at(ago(31), 9, 0),
        at(ago(30), 9, 5),
        "completed",
        subject_email="  Maja.Lindqvist.R1@Aktivbolaget.se ",
        rows=0,
    )
    tr.hit(
        "RET-02",
        run,
        f"subject_erasure completed; users row {u} with the (normalised) e-mail remains",
    )
    run = p.run(
        "subject_erasure",
        at(ago(61), 9, 0),
        at(ago(60), 9, 5),
        "completed",
        subject_email="nils.ek.r2@gmail.com",
        rows=2,
    )
    p.recipient(p.act, "nils.ek.r2@gmail.com", at(ago(20), 10, 0))
    tr.near("RET-02", run, "the e-mail is back only in a recipient created after the erasure")
    p.recipient(p.act, "eva.strand.r3@gmail.com", at(ago(300), 10, 0))
    run = p.run(
        "subject_erasure",
        at(ago(40), 9, 0),
        None,
        "failed",
        subject_email="eva.strand.r3@gmail.com",
    )
    tr.near("RET-02", run, "erasure run failed (not completed): RET-02 does not judge it")
