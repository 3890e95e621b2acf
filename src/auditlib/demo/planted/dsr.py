"""Planted cases of the data-subject-request rules DSR-01..07 (see :mod:`auditlib.demo.planted`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from auditlib.dates import add_months
from auditlib.demo.anchors import (
    latest,
    latest_easter,
    latest_yearly,
    midsummer_eve,
    received_for,
)
from auditlib.demo.clock import at
from auditlib.demo.planted.core import Planter, _d


def plant(p: Planter) -> None:
    d, tr, ago, dl = p.d, p.truth, p.ago, p.dl
    n = [0]

    def req(
        received: datetime,
        rtype: str = "access",
        done: datetime | None = None,
        outcome: str | None = "fulfilled",
        email: str | None = None,
        controller: str = "netdialog",
        customer_id: int | None = None,
        ext_on: date | None = None,
        ext_at: datetime | None = None,
        reason: str | None = None,
        ground: str | None = None,
        fee: int = 0,
        user_id: int | None = None,
    ) -> int:
        n[0] += 1
        if done is None and outcome != "withdrawn":
            outcome = None
        return p.row(
            "dsr_requests",
            "request_id",
            controller=controller,
            customer_id=customer_id,
            subject_email=email or f"registrerad.d{n[0]}@exempel.se",
            subject_user_id=user_id,
            request_type=rtype,
            channel=("email", "web_form", "chat", "letter")[n[0] % 4],
            received_at=received,
            identity_verified_at=received + timedelta(hours=3) if done else None,
            extended_on=ext_on,
            extension_notified_at=ext_at,
            extension_reason=reason,
            completed_at=done,
            outcome=outcome,
            refusal_ground=ground,
            fee_sek=fee,
        )

    def on_time_and_late(
        target: set[date], before: date, label: str, late_too: bool = True, rtype: str = "access"
    ) -> None:
        r = received_for(target, before)
        if r is None:
            return
        due = dl.due1(r)
        if due + timedelta(days=1) > d:
            return
        i = req(at(r, 10, 0), rtype, at(due, 16, 0))
        tr.near("DSR-01", i, f"{label}: received {_d(r)}, due {_d(due)}, answered on the due day")
        if late_too:
            i = req(at(r, 11, 0), rtype, at(due + timedelta(days=1), 9, 0))
            tr.hit("DSR-01", i, f"{label}: received {_d(r)}, due {_d(due)}, answered a day late")

    # plain
    r = ago(60)
    i = req(at(r, 10, 0), done=at(dl.due1(r) + timedelta(days=1), 10, 0))
    tr.hit("DSR-01", i, f"answered the day after due {_d(dl.due1(r))}")
    r = ago(61)
    i = req(at(r, 14, 0), done=at(dl.due1(r), 16, 0))
    tr.near("DSR-01", i, f"answered on the due day {_d(dl.due1(r))}")
    i = req(at(ago(70), 10, 0), "rectification")
    tr.hit("DSR-01", i, f"open, due {_d(dl.due1(ago(70)))} passed")

    # open and due on D / soon
    r = latest(lambda x: dl.due1(x) == d, ago(20), ago(45))
    if r is not None:
        i = req(at(r, 10, 0), "restriction")
        tr.near("DSR-01", i, "open, due on D itself: not missed yet")
        tr.near("DSR-06", i, "open, due on D: not in (D, D + n]")
    soon = p.p.dsr_due_soon_days
    cands = [
        x for x in (ago(k) for k in range(45, 15, -1)) if d < dl.due1(x) <= d + timedelta(days=soon)
    ]
    if cands:
        i = req(at(cands[-1], 10, 0), "portability")
        tr.hit("DSR-06", i, f"open, due {_d(dl.due1(cands[-1]))} within {soon} days")
        i = req(
            at(cands[-1], 11, 0),
            "access",
            ext_on=cands[-1] + timedelta(days=5),
            ext_at=at(cands[-1] + timedelta(days=5), 10, 0),
            reason="Begäran omfattar många system.",
        )
        tr.near("DSR-06", i, f"open, due_1m soon but validly extended to {_d(dl.due3(cands[-1]))}")
    edge = latest(lambda x: dl.due1(x) == d + timedelta(days=soon), ago(15), ago(45))
    if edge is not None and (not cands or edge != cands[-1]):
        i = req(at(edge, 12, 0), "objection")
        tr.hit("DSR-06", i, f"open, due exactly D + {soon}")
    far = latest(
        lambda x: (
            dl.due1(x) > d + timedelta(days=soon)
            and dl.due1(x - timedelta(days=1)) <= d + timedelta(days=soon)
        ),
        ago(1),
        ago(45),
    )
    if far is not None:
        i = req(at(far, 10, 0), "access")
        tr.near("DSR-06", i, f"open, due {_d(dl.due1(far))}: more than {soon} days ahead")

    # calendar edges
    e = latest_easter(d, 3)
    gf = e - timedelta(days=2)
    easter_days = (
        {gf} if received_for({gf}, gf) else {gf, gf + timedelta(days=1), e, e + timedelta(days=1)}
    )
    on_time_and_late(easter_days, gf, "Easter (due rolls over Good Friday..Easter Monday)")
    asc = latest_yearly(d, lambda y: latest_easter(date(y, 12, 31), 0) + timedelta(days=39), 2)
    on_time_and_late({asc}, asc, "Ascension Day", late_too=False)
    mid = latest_yearly(d, midsummer_eve, 3)
    r = received_for({mid}, mid)
    if r is not None:
        i = req(at(r, 10, 0), "portability", at(mid, 15, 0))
        tr.near(
            "DSR-01", i, f"due on Midsummer Eve {_d(mid)} (not a public holiday), answered that day"
        )
        i = req(at(r, 11, 0), "portability", at(mid + timedelta(days=3), 9, 0))
        tr.hit(
            "DSR-01", i, f"due on Midsummer Eve {_d(mid)} (not rolled), answered the Monday after"
        )
    xmas = latest_yearly(d, lambda y: date(y, 12, 25), 10)
    on_time_and_late({xmas}, xmas, "Christmas Day", late_too=False, rtype="erasure")
    eve = date(xmas.year, 12, 24)
    r = received_for({eve}, eve)
    if r is not None:
        due = dl.due1(r)
        i = req(at(r, 10, 0), "objection", at(dl.next_working(due + timedelta(days=1)), 10, 0))
        tr.hit(
            "DSR-01",
            i,
            f"due {_d(due)} (Christmas Eve is not a holiday), answered after the holidays",
        )
    epi = latest_yearly(d, lambda y: date(y, 1, 6), 5)
    on_time_and_late(
        {epi}, epi, "Epiphany (public holiday)", late_too=False, rtype="withdraw_consent"
    )
    ny = latest_yearly(d, lambda y: date(y, 1, 1), 5)
    on_time_and_late({ny}, ny, "New Year's Day", rtype="portability")
    jan31 = latest(
        lambda x: x.month == 1 and x.day == 31 and dl.due1(x) + timedelta(days=1) <= d, d, ago(800)
    )
    if jan31 is not None:
        on_time_and_late(
            {add_months(jan31, 1)},
            jan31,
            "31 Jan + 1 month clamps to 28/29 Feb",
            rtype="rectification",
        )

    # just after midnight in Stockholm = the previous day in UTC
    r = ago(90)
    i = req(at(r, 0, 30), "access", at(dl.due1(r), 23, 30))
    tr.near(
        "DSR-01",
        i,
        f"received 00:30 {_d(r)} (UTC day before), answered 23:30 on due {_d(dl.due1(r))}",
    )
    r = ago(95)
    i = req(at(r, 0, 30), "access", at(dl.due1(r) + timedelta(days=1), 0, 15))
    tr.hit(
        "DSR-01", i, f"answered 00:15 the day after due {_d(dl.due1(r))} (UTC: still the due day)"
    )

    # extensions
    r = ago(150)
    u1 = dl.due1(r)
    i = req(
        at(r, 10, 0),
        "portability",
        at(u1 + timedelta(days=20), 11, 0),
        ext_on=u1 - timedelta(days=3),
        ext_at=at(u1, 0, 30),
        reason="Många datakällor behöver gås igenom.",
    )
    tr.near(
        "DSR-01",
        i,
        f"valid extension notified 00:30 on due_1m {_d(u1)}; answered before due {_d(dl.due3(r))}",
    )
    tr.near("DSR-02", i, "extension notified on due_1m with a reason: valid")
    r = ago(160)
    u1 = dl.due1(r)
    i = req(
        at(r, 10, 0),
        "access",
        at(u1 + timedelta(days=10), 11, 0),
        ext_on=u1,
        ext_at=at(u1 + timedelta(days=1), 10, 0),
        reason="Omfattande begäran.",
    )
    tr.hit("DSR-02", i, f"extension notified after due_1m {_d(u1)}")
    tr.hit("DSR-01", i, f"invalid extension, so due {_d(u1)}; answered 10 days later")
    r = ago(170)
    i = req(
        at(r, 10, 0),
        "access",
        at(r + timedelta(days=20), 11, 0),
        ext_on=r + timedelta(days=10),
        ext_at=at(r + timedelta(days=10), 10, 0),
        reason="   ",
    )
    tr.hit("DSR-02", i, "extension reason only blanks")
    r = ago(175)
    i = req(
        at(r, 10, 0), "erasure", at(r + timedelta(days=20), 11, 0), ext_on=r + timedelta(days=12)
    )
    tr.hit("DSR-02", i, "extended_on set, subject never notified")
    r = ago(178)
    i = req(
        at(r, 10, 0),
        "restriction",
        at(r + timedelta(days=15), 11, 0),
        ext_at=at(r + timedelta(days=8), 10, 0),
    )
    tr.hit("DSR-02", i, "extension notified without a reason (NULL)")

    # refusals and partial answers
    r = ago(180)
    u1 = dl.due1(r)
    i = req(
        at(r, 10, 0),
        "access",
        at(u1 + timedelta(days=5), 10, 0),
        "refused",
        ext_on=r + timedelta(days=10),
        ext_at=at(r + timedelta(days=10), 10, 0),
        reason="Omfattande begäran.",
        ground="excessive",
    )
    tr.hit("DSR-01", i, f"refusal is due by due_1m {_d(u1)} even with a valid extension")
    r = ago(185)
    u1 = dl.due1(r)
    i = req(
        at(r, 10, 0),
        "access",
        at(u1 + timedelta(days=5), 10, 0),
        "partially_fulfilled",
        ext_on=r + timedelta(days=10),
        ext_at=at(r + timedelta(days=10), 10, 0),
        reason="Omfattande begäran.",
    )
    tr.near("DSR-01", i, "partially fulfilled after due_1m within a valid extension: not a refusal")
    i = req(at(ago(190), 10, 0), "objection", at(ago(180), 10, 0), "refused")
    tr.hit("DSR-05", i, "refused without a refusal_ground")
    i = req(
        at(ago(191), 10, 0),
        "objection",
        at(ago(181), 10, 0),
        "refused",
        ground="manifestly_unfounded",
    )
    tr.near("DSR-05", i, "refused with a ground")

    # withdrawn requests have no deadline
    r = ago(200)
    i = req(at(r, 10, 0), "rectification", at(dl.due1(r) + timedelta(days=15), 10, 0), "withdrawn")
    tr.near("DSR-01", i, "withdrawn, closed after due_1m: no deadline")
    i = req(at(ago(210), 10, 0), "erasure", None, "withdrawn")
    tr.near("DSR-01", i, "withdrawn, no completed_at, past due_1m: no deadline")

    # fees
    mail = "karin.holm.d25@telia.com"
    req(at(ago(200), 9, 0), "access", at(ago(190), 9, 0), email=mail)
    i = req(
        at(ago(100), 9, 0),
        "access",
        at(ago(90), 9, 0),
        email="  Karin.Holm.D25@Telia.com ",
        fee=150,
    )
    tr.near(
        "DSR-03",
        i,
        "fee for an access request 100 days after a free one (same subject, other spelling)",
    )
    r = ago(120)
    prev = add_months(r, -12) - timedelta(days=1)
    req(
        at(prev, 9, 0),
        "access",
        at(prev + timedelta(days=7), 9, 0),
        email="lars.dahl.d26@gmail.com",
    )
    i = req(
        at(r, 10, 0),
        "access",
        at(r + timedelta(days=7), 9, 0),
        email="lars.dahl.d26@gmail.com",
        fee=200,
    )
    tr.hit("DSR-03", i, f"fee; previous access {_d(prev)} is more than 12 months earlier")
    r = ago(130)
    prev = add_months(r, -12)
    req(
        at(prev, 9, 0),
        "access",
        at(prev + timedelta(days=7), 9, 0),
        email="sara.lind.d27@gmail.com",
    )
    i = req(
        at(r, 10, 0),
        "access",
        at(r + timedelta(days=7), 9, 0),
        email="sara.lind.d27@gmail.com",
        fee=200,
    )
    tr.near(
        "DSR-03",
        i,
        f"fee; previous access on {_d(prev)} = add_months(received, -12): inside the window",
    )
    i = req(at(ago(140), 10, 0), "access", at(ago(133), 10, 0), fee=100)
    tr.hit("DSR-03", i, "fee for a first access request")
    i = req(at(ago(145), 10, 0), "erasure", at(ago(138), 10, 0), fee=100)
    tr.hit("DSR-03", i, "fee for an erasure request")
    req(at(ago(180), 10, 0), "rectification", at(ago(175), 10, 0), email="omar.ali.d28@outlook.com")
    i = req(
        at(ago(150), 10, 0),
        "access",
        at(ago(144), 10, 0),
        email="omar.ali.d28@outlook.com",
        fee=100,
    )
    tr.hit(
        "DSR-03", i, "fee for access; the earlier request of the subject was not an access request"
    )

    # DSR-04: erasure answered, data still there
    mail = "per.ek.d30@gmail.com"
    p.recipient(p.act, "Per.Ek.D30@gmail.com", at(ago(500), 10, 0))
    i = req(
        at(ago(50), 10, 0),
        "erasure",
        at(ago(45), 10, 0),
        email=mail,
        controller="customer",
        customer_id=p.act,
    )
    tr.hit("DSR-04", i, f"recipient of customer {p.act} with the subject's e-mail remains")
    mail = "lisa.berg.d31@gmail.com"
    p.recipient(p.act2, mail, at(ago(500), 10, 0))
    i = req(
        at(ago(52), 10, 0),
        "erasure",
        at(ago(47), 10, 0),
        email=mail,
        controller="customer",
        customer_id=p.act,
    )
    tr.near("DSR-04", i, "the e-mail exists only at another customer")
    mail = "johan.sten.d32@yahoo.se"
    p.row(
        "support_tickets",
        "ticket_id",
        customer_id=None,
        contact_name="Johan Sten",
        contact_email=mail,
        channel="chat",
        subject="Fråga",
        opened_at=at(ago(100), 10, 0),
        closed_at=at(ago(98), 10, 0),
    )
    i = req(at(ago(60), 10, 0), "erasure", at(ago(54), 10, 0), email=mail)
    tr.hit("DSR-04", i, "support ticket with the subject's e-mail remains")
    mail = "olof.nyman.d33@aktivbolaget.se"
    uid = p.user(p.act, mail, at(ago(700), 9, 0), "Olof Nyman")
    i = req(at(ago(62), 10, 0), "erasure", at(ago(57), 10, 0), email=mail, user_id=uid)
    tr.hit("DSR-04", i, f"users row {uid} (subject_user_id) remains")
    mail = "elin.vik.d34@icloud.com"
    i = req(at(ago(40), 10, 0), "erasure", at(ago(35), 10, 0), email=mail)
    p.row(
        "orders",
        "order_id",
        customer_id=None,
        contact_name="Elin Vik",
        contact_email=mail,
        contact_phone="+46731112233",
        company_name="Viks Måleri AB",
        ordered_at=at(ago(5), 14, 0),
    )
    tr.near("DSR-04", i, "the only order with the e-mail was placed after the answer")
    mail = "goran.falk.d35@telia.com"
    p.row(
        "support_tickets",
        "ticket_id",
        customer_id=None,
        contact_name="Göran Falk",
        contact_email=mail,
        channel="email",
        subject="Faktura",
        opened_at=at(ago(90), 10, 0),
        closed_at=at(ago(89), 10, 0),
    )
    i = req(
        at(ago(70), 10, 0),
        "erasure",
        at(ago(65), 10, 0),
        "refused",
        email=mail,
        ground="legal_obligation",
    )
    tr.near("DSR-04", i, "erasure refused: data may stay")
