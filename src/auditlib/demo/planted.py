"""Planted cases: true findings for every rule id, edge cases and near misses.

Every planted row is deterministic given ``as_of`` (no randomness, ids from
``PLANT_BASE`` upwards), so the planted set is the same at every scale and seed.
Dates are relative to D = ``as_of``; calendar edges are searched backwards from D
(``anchors``). ``Truth`` records what the rules must find (``expected``), what
they must NOT find although it looks close (``near_misses``) and the customers
under a legal hold in force (``held_customers``).

Timeline constraints that keep the planted cases from touching each other
(RET-03 looks at every ended customer against every existing backup):
- ended, non-exempt customers without a completed offboarding run have
  ``deletion_due`` <= D - 55; the only one with a run completing inside the
  window of existing backups is K3 (run ~D - 50), held by backup B3 only;
- every other existing backup (daily ones from D - 34, planted ones from
  D - 40) is taken after all those dues and runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from auditlib.config import Params
from auditlib.dates import add_months
from auditlib.demo import register as reg
from auditlib.demo.anchors import (
    Deadlines,
    last_before_limit,
    latest,
    latest_easter,
    latest_yearly,
    midsummer_eve,
    received_for,
)
from auditlib.demo.bulk import BACKUP_DAYS
from auditlib.demo.clock import at, end_of_day
from auditlib.demo.frame import Tables

# Far above any bulk id (scale 10 has 10M login events): planted ids never collide.
PLANT_BASE = 900_000_001
MISSING_RECIPIENT = 999_999_999  # DQ-03: a delivery to this recipient id, which does not exist


@dataclass
class Truth:
    expected: list[dict[str, str]] = field(default_factory=list)
    near_misses: list[dict[str, str]] = field(default_factory=list)
    held_customers: list[int] = field(default_factory=list)
    invoice_gap: tuple[int, tuple[int, ...]] = (0, ())

    def hit(self, rule: str, entity: object, case: str) -> None:
        self.expected.append({"rule_id": rule, "entity_id": str(entity), "case": case})

    def near(self, rule: str, entity: object, case: str) -> None:
        self.near_misses.append({"rule_id": rule, "entity_id": str(entity), "case": case})


_ASCII = str.maketrans("åäö", "aao")


def _org_number(cid: int) -> str:
    """'55NNNN-NNNC' with a valid Luhn check digit, derived from the id."""
    body = f"55{cid % 10000:04d}{(cid * 7) % 1000:03d}"
    total = sum((2 * int(c)) // 10 + (2 * int(c)) % 10 if i % 2 == 0 else int(c) for i, c in enumerate(body))
    return f"{body[:6]}-{body[6:]}{(10 - total % 10) % 10}"


def _d(x: date) -> str:
    return x.isoformat()


class Planter:
    """Adds planted rows to ``Tables`` and notes them in ``Truth``."""

    def __init__(self, t: Tables, d: date, params: Params) -> None:
        self.t, self.d, self.p = t, d, params
        self.truth = Truth()
        self.dl = Deadlines(params)
        self.end = end_of_day(d)
        self._next: dict[str, int] = defaultdict(lambda: PLANT_BASE)
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.domains: dict[int, str] = {}
        self.future_ok: set[str] = set()  # tables whose planted rows may lie after the export (DQ-05)
        # hosts other cases hang rows on (set by _retention)
        self.act = self.act2 = self.old_customer = 0
        self.act_rows: dict[str, int] = {}

    # -- row helpers ---------------------------------------------------------------------
    def new_id(self, table: str) -> int:
        i = self._next[table]
        self._next[table] = i + 1
        return i

    def row(self, table: str, pk: str, **values: Any) -> int:
        i = values.pop(pk, None) or self.new_id(table)
        for k, v in values.items():
            # expires_at is a schedule, not an event: it may (must) lie after the export
            if isinstance(v, datetime) and v > self.end and table not in self.future_ok and k != "expires_at":
                raise AssertionError(f"planted {table} row {i} has a timestamp after the export: {values}")
        self.rows[table].append({pk: i, **values})
        return i

    def ago(self, n: int) -> date:
        return self.d - timedelta(days=n)

    def customer(self, label: str, created: date, contracts: list[tuple[date, date | None, str]],
                 country: str = "SE") -> int:
        cid = self.new_id("customers")
        self.domains[cid] = f"{label.lower().translate(_ASCII)}{cid % 1000}.se"
        self.row("customers", "customer_id", customer_id=cid, org_number=_org_number(cid),
                 name=f"{label} AB", country=country, created_at=at(created, 9, 0))
        for signed, ends, plan in contracts:
            term = None if ends is None else at(min(ends - timedelta(days=30), self.ago(1)), 11, 0)
            if term is not None and term < at(signed, 12, 0):
                term = at(signed, 12, 0)
            self.row("contracts", "contract_id", customer_id=cid, plan=plan, signed_on=signed, ends_on=ends,
                     terminated_at=term)
        return cid

    def user(self, cid: int, email: str, created: datetime, name: str = "Demo Användare") -> int:
        return self.row("users", "user_id", customer_id=cid, full_name=name, email=email,
                        password_hash="$argon2id$v=19$m=65536,t=3,p=4$planted$planted", is_admin=False,
                        created_at=created)

    def recipient(self, cid: int, email: str | None, created: datetime, phone: str | None = None) -> int:
        return self.row("recipients", "recipient_id", customer_id=cid, full_name="Planterad Mottagare",
                        email=email, phone=phone or "+46701234567", created_at=created)

    def message(self, cid: int, sender: int | None, created: datetime, recipients: list[int],
                channel: str = "email", gateway: int | None = None, delay: timedelta = timedelta(minutes=2)) -> int:
        mid = self.row("messages", "message_id", customer_id=cid, sender_user_id=sender, channel=channel,
                       subject="Planterat utskick" if channel == "email" else None,
                       body="Hej! Detta är ett planterat testutskick.", created_at=created)
        sp = gateway if gateway is not None else (reg.SMS if channel == "sms" else reg.EMAIL)
        for r in recipients:
            self.rows["message_deliveries"].append(
                {"message_id": mid, "recipient_id": r, "subprocessor_id": sp, "status": "delivered",
                 "delivered_at": created + delay})
        return mid

    def login(self, uid: int, cid: int, when: datetime) -> int:
        return self.row("login_events", "event_id", user_id=uid, customer_id=cid, occurred_at=when,
                        ip_address="81.234.10.77", user_agent="Mozilla/5.0 (planted)", success=True)

    def service(self, cid: int, first: date, last: date, logins: bool = True) -> dict[str, int]:
        """Two users, three recipients, a message to them and (optionally) recent logins."""
        dom = self.domains[cid]
        u1 = self.user(cid, f"admin.{cid}@{dom}", at(first, 9, 0))
        u2 = self.user(cid, f"anstalld.{cid}@{dom}", at(first + (last - first) // 3, 9, 30))
        rs = [self.recipient(cid, f"mottagare{i}.{cid}@gmail.com", at(first + (last - first) * i // 4, 10, 0))
              for i in range(3)]
        mid = self.message(cid, u1, at(last, 11, 0) - timedelta(days=1), rs)
        if logins:
            self.login(u1, cid, at(last - timedelta(days=2), 8, 15))
            self.login(u2, cid, at(last - timedelta(days=1), 13, 40))
        return {"user": u1, "user2": u2, "recipient": rs[0], "message": mid}

    def run(self, scope: str, requested: datetime, completed: datetime | None, status: str,
            customer_id: int | None = None, subject_email: str | None = None, rows: int | None = 0) -> int:
        return self.row("deletion_runs", "run_id", scope=scope, customer_id=customer_id, subject_email=subject_email,
                        requested_at=requested, completed_at=completed, status=status,
                        rows_deleted=rows if completed is not None else None)

    def offboard(self, cid: int, due: date, hh: int = 3, mm: int = 10) -> int:
        return self.run("customer_offboarding", at(due - timedelta(days=1), 22, 0), at(due, hh, mm), "completed",
                        customer_id=cid, rows=1234)

    def backup(self, taken: datetime, expires: datetime, destroyed: datetime | None, country: str = "SE",
               sp: int | None = reg.BACKUP) -> int:
        return self.row("backups", "backup_id", taken_at=taken, storage_subprocessor_id=sp, storage_country=country,
                        expires_at=expires, destroyed_at=destroyed)

    def hold(self, cid: int, placed: date, lifted: date | None) -> int:
        return self.row("legal_holds", "hold_id", customer_id=cid, authority="Ekobrottsmyndigheten",
                        reference=f"Dnr EBM {cid % 1000}-{placed.year}", placed_on=placed, lifted_on=lifted)

    def due(self, ends: date) -> date:
        return add_months(ends, self.p.offboarding_grace_months)

    def flush(self) -> None:
        for table, rows in self.rows.items():
            self.t.add_rows(table, rows)
        self.rows.clear()


def plant(t: Tables, d: date, params: Params) -> Planter:
    p = Planter(t, d, params)
    _retention(p)
    _subprocessors(p)
    _dsr(p)
    _quality(p)
    p.flush()
    return p


# ---------------------------------------------------------------------------------------------
def _retention(p: Planter) -> None:
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
    tr.hit("RET-01", c, f"ended {_d(e)}, deletion_due {_d(p.due(e))}, all Service rows left; offboarding run failed")

    # RET-01, month end: relationship_end 31 Jan, deletion_due clamps to 28/29 Feb
    jan31 = latest(lambda x: x.month == 1 and x.day == 31 and p.due(x) <= ago(60), ago(60), ago(800))
    assert jan31 is not None
    c = p.customer("Månadsskifte", jan31 - timedelta(days=700), [(jan31 - timedelta(days=700), jan31, "pro")])
    p.service(c, jan31 - timedelta(days=600), jan31 - timedelta(days=10), logins=False)
    tr.hit("RET-01", c, f"ended {_d(jan31)}; deletion_due {_d(p.due(jan31))} (31 Jan + 1 month clamps)")

    # RET-01 + RET-02: offboarding run completed but login_events were forgotten
    e = ago(130)
    c = p.customer("Loggkvar", ago(1400), [(ago(1400), e, "basic")])
    run = p.offboard(c, p.due(e))
    p.login(PLANT_BASE + 8_000, c, at(e - timedelta(days=10), 8, 5))
    p.login(PLANT_BASE + 8_000, c, at(e - timedelta(days=5), 16, 45))
    tr.hit("RET-01", c, "ended and offboarded, but login_events rows remain")
    tr.hit("RET-02", run, "customer_offboarding completed; login_events from before completed_at remain")

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
    held_backup = BACKUP_DAYS - (d - (p.due(e) - timedelta(days=3))).days  # daily backup id (bulk.py)
    tr.near("RET-03", held_backup, "backup taken before the deletion_due of a customer under a legal hold only")

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
        x for x in (ago(40) + timedelta(days=i) for i in range(20)) if p.due(x) >= d)
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
    run = p.run("customer_offboarding", at(ago(6), 20, 0), at(ago(5), 10, 0), "completed", customer_id=c, rows=3)
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
    tr.hit("RET-03", b3, f"taken before the offboarding run of customer {k3} (deletion_due {_d(due3)})")
    b3n = p.backup(at(due3 + timedelta(days=1), 1, 45), at(d + timedelta(days=300), 1, 45), None)
    tr.near("RET-03", b3n, f"taken after the offboarding run of customer {k3} completed")

    # RET-04: expired 5 days ago, never destroyed
    b4 = p.backup(at(ago(40), 1, 45), at(ago(5), 1, 45), None)
    tr.hit("RET-04", b4, f"expires_at {_d(ago(5))}, still exists")
    b = p.backup(at(ago(36), 1, 45), at(d, 0, 30), None)
    tr.near("RET-04", b, "expires 00:30 on D (22:30 UTC the day before): not past its expiry date")
    b = p.backup(at(ago(45), 1, 45), at(ago(10), 1, 45), at(d, 0, 20))
    tr.near("RET-04", b, "expired 10 days ago, destroyed 00:20 on D (previous day in UTC): gone at D")

    # RET-05 / RET-06: an old customer's invoices of expired fiscal years
    y = d.year
    c_old = p.customer("Gammalkund", date(y - 9, 1, 10), [(date(y - 9, 1, 10), date(y - 7, 12, 31), "basic")])
    p.offboard(c_old, p.due(date(y - 7, 12, 31)))
    inv = [(y - 8, 1, date(y - 8, 3, 1)), (y - 8, 3, date(y - 8, 4, 1)), (y - 7, 1, date(y - 7, 12, 1))]
    for fy, n, issued in inv:
        iid = p.row("invoices", "invoice_id", customer_id=c_old, invoice_number=f"{fy}-{n:06d}", fiscal_year=fy,
                    issued_on=issued, amount_sek=612, billing_email=f"faktura@{p.domains[c_old]}")
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
    tk = p.row("support_tickets", "ticket_id", customer_id=None, contact_name="Besökare Ett",
               contact_email="besokare.t1@hotmail.se", channel="email", subject="Fråga om pris",
               opened_at=at(x - timedelta(days=2), 10, 0), closed_at=at(x, 23, 30))
    tr.hit("RET-07", tk, f"closed {_d(x)}; kept past 24 months")
    tk = p.row("support_tickets", "ticket_id", customer_id=None, contact_name="Besökare Två",
               contact_email="besokare.t2@hotmail.se", channel="chat", subject="Fråga om pris",
               opened_at=at(x - timedelta(days=1), 10, 0), closed_at=at(x + timedelta(days=1), 0, 30))
    tr.near("RET-07", tk, f"closed 00:30 on {_d(x + timedelta(days=1))} (UTC: the day before): limit is D")
    tk = p.row("support_tickets", "ticket_id", customer_id=p.act, contact_name="Kund Tre",
               contact_email="kund.t3@aktivbolaget.se", channel="email", subject="Långt ärende",
               opened_at=at(ago(1400), 10, 0), closed_at=None)
    tr.near("RET-07", tk, "opened long ago, still open (closed_at NULL)")

    # RET-08: one consent past 13 months; one exactly at the limit (00:30 = UTC day before)
    x = last_before_limit(p.p.cookie_consent_retention_months, d)
    p.row("cookie_consents", "consent_id", visitor_id="planted-consent-old", ip_address="90.224.1.10",
          consented_at=at(x, 23, 30), categories="necessary,analytics")
    p.row("cookie_consents", "consent_id", visitor_id="planted-consent-limit", ip_address="90.224.1.11",
          consented_at=at(x + timedelta(days=1), 0, 30), categories="necessary")
    tr.hit("RET-08", "cookie_consents", f"one consent of {_d(x)} past 13 months (another at the limit is not)")

    # RET-09: login event 12 months + 1 day ago vs. exactly at the limit
    x = last_before_limit(p.p.login_event_retention_months, d)
    c = p.customer("Gammallogg", ago(1200), [(ago(1200), None, "pro")])
    u = p.service(c, ago(1100), ago(2))["user"]
    p.login(u, c, at(x, 23, 30))
    tr.hit("RET-09", c, f"login event of {_d(x)} older than 12 months")
    c = p.customer("Gränslogg", ago(1200), [(ago(1200), None, "pro")])
    u = p.service(c, ago(1100), ago(2))["user"]
    p.login(u, c, at(x + timedelta(days=1), 0, 30))
    tr.near("RET-09", c, f"login event 00:30 on {_d(x + timedelta(days=1))} (UTC: day before): exactly 12 months")

    # RET-02, subject erasure: e-mail still in users (different case and blanks in the run)
    u = p.user(p.act, "maja.lindqvist.r1@aktivbolaget.se", at(ago(400), 9, 0), "Maja Lindqvist")
    run = p.run("subject_erasure", at(ago(31), 9, 0), at(ago(30), 9, 5), "completed",
                subject_email="  Maja.Lindqvist.R1@Aktivbolaget.se ", rows=0)
    tr.hit("RET-02", run, f"subject_erasure completed; users row {u} with the (normalised) e-mail remains")
    run = p.run("subject_erasure", at(ago(61), 9, 0), at(ago(60), 9, 5), "completed",
                subject_email="nils.ek.r2@gmail.com", rows=2)
    p.recipient(p.act, "nils.ek.r2@gmail.com", at(ago(20), 10, 0))
    tr.near("RET-02", run, "the e-mail is back only in a recipient created after the erasure")
    p.recipient(p.act, "eva.strand.r3@gmail.com", at(ago(300), 10, 0))
    run = p.run("subject_erasure", at(ago(40), 9, 0), None, "failed", subject_email="eva.strand.r3@gmail.com")
    tr.near("RET-02", run, "erasure run failed (not completed): RET-02 does not judge it")


# ---------------------------------------------------------------------------------------------
def _subprocessors(p: Planter) -> None:
    d, tr, ago = p.d, p.truth, p.ago
    subs = reg.register(d)
    for s in subs:
        p.row("subprocessors", "subprocessor_id", subprocessor_id=s.subprocessor_id, name=s.name, service=s.service,
              legal_country=s.legal_country, processes_personal_data=s.processes_personal_data,
              dpa_signed_on=s.dpa_signed_on, engaged_on=s.engaged_on, disengaged_on=s.disengaged_on,
              customers_notified_on=s.customers_notified_on)
        for country, kind in s.locations:
            p.rows["subprocessor_locations"].append(
                {"subprocessor_id": s.subprocessor_id, "country": country, "kind": kind})

    def transfer(sp: int, when: datetime, country: str, category: str = "contact_details", n: int = 120) -> int:
        return p.row("data_transfers", "transfer_id", subprocessor_id=sp, customer_id=p.act, occurred_at=when,
                     destination_country=country, data_category=category, record_count=n)

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
    p.message(p.act, p.act_rows["user"], at(snabb.disengaged_on, 0, 25), r, "sms", reg.SNABB_SMS,
              timedelta(minutes=5))
    tr.hit("SUB-06", reg.SNABB_SMS, "SMS delivered 00:30 Stockholm on its disengaged_on (UTC: the day before)")
    p.message(p.act, p.act_rows["user"], at(old_sms.disengaged_on - timedelta(days=1), 23, 25), r, "sms",
              reg.OLD_SMS, timedelta(minutes=5))
    tr.near("SUB-06", reg.OLD_SMS, "last SMS delivered 23:30 the day before disengaged_on")

    # SUB-07: a backup kept at the former US vendor; near misses NO, and CH but destroyed
    b = p.backup(at(ago(10), 1, 45), at(d + timedelta(days=25), 1, 45), None, "US", reg.OVERSEAS_VAULT)
    tr.hit("SUB-07", b, "existing backup stored in US")
    b = p.backup(at(ago(9), 1, 45), at(d + timedelta(days=26), 1, 45), None, "NO", reg.BACKUP)
    tr.near("SUB-07", b, "existing backup stored in NO (EEA)")
    b = p.backup(at(ago(60), 1, 45), at(ago(25), 1, 45), at(ago(25), 2, 5), "CH", reg.OVERSEAS_VAULT)
    tr.near("SUB-07", b, "backup stored in CH was destroyed before D")


# ---------------------------------------------------------------------------------------------
def _dsr(p: Planter) -> None:
    d, tr, ago, dl = p.d, p.truth, p.ago, p.dl
    n = [0]

    def req(received: datetime, rtype: str = "access", done: datetime | None = None, outcome: str | None = "fulfilled",
            email: str | None = None, controller: str = "netdialog", customer_id: int | None = None,
            ext_on: date | None = None, ext_at: datetime | None = None, reason: str | None = None,
            ground: str | None = None, fee: int = 0, user_id: int | None = None) -> int:
        n[0] += 1
        if done is None and outcome != "withdrawn":
            outcome = None
        return p.row("dsr_requests", "request_id", controller=controller, customer_id=customer_id,
                     subject_email=email or f"registrerad.d{n[0]}@exempel.se", subject_user_id=user_id,
                     request_type=rtype, channel=("email", "web_form", "chat", "letter")[n[0] % 4],
                     received_at=received, identity_verified_at=received + timedelta(hours=3) if done else None,
                     extended_on=ext_on, extension_notified_at=ext_at, extension_reason=reason,
                     completed_at=done, outcome=outcome, refusal_ground=ground, fee_sek=fee)

    def on_time_and_late(target: set[date], before: date, label: str, late_too: bool = True,
                         rtype: str = "access") -> None:
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
    cands = [x for x in (ago(k) for k in range(45, 15, -1)) if d < dl.due1(x) <= d + timedelta(days=soon)]
    if cands:
        i = req(at(cands[-1], 10, 0), "portability")
        tr.hit("DSR-06", i, f"open, due {_d(dl.due1(cands[-1]))} within {soon} days")
        i = req(at(cands[-1], 11, 0), "access", ext_on=cands[-1] + timedelta(days=5),
                ext_at=at(cands[-1] + timedelta(days=5), 10, 0), reason="Begäran omfattar många system.")
        tr.near("DSR-06", i, f"open, due_1m soon but validly extended to {_d(dl.due3(cands[-1]))}")
    edge = latest(lambda x: dl.due1(x) == d + timedelta(days=soon), ago(15), ago(45))
    if edge is not None and (not cands or edge != cands[-1]):
        i = req(at(edge, 12, 0), "objection")
        tr.hit("DSR-06", i, f"open, due exactly D + {soon}")
    far = latest(lambda x: dl.due1(x) > d + timedelta(days=soon) and dl.due1(x - timedelta(days=1)) <= d + timedelta(days=soon), ago(1), ago(45))
    if far is not None:
        i = req(at(far, 10, 0), "access")
        tr.near("DSR-06", i, f"open, due {_d(dl.due1(far))}: more than {soon} days ahead")

    # calendar edges
    e = latest_easter(d, 3)
    gf = e - timedelta(days=2)
    easter_days = {gf} if received_for({gf}, gf) else {gf, gf + timedelta(days=1), e, e + timedelta(days=1)}
    on_time_and_late(easter_days, gf, "Easter (due rolls over Good Friday..Easter Monday)")
    asc = latest_yearly(d, lambda y: latest_easter(date(y, 12, 31), 0) + timedelta(days=39), 2)
    on_time_and_late({asc}, asc, "Ascension Day", late_too=False)
    mid = latest_yearly(d, midsummer_eve, 3)
    r = received_for({mid}, mid)
    if r is not None:
        i = req(at(r, 10, 0), "portability", at(mid, 15, 0))
        tr.near("DSR-01", i, f"due on Midsummer Eve {_d(mid)} (not a public holiday), answered that day")
        i = req(at(r, 11, 0), "portability", at(mid + timedelta(days=3), 9, 0))
        tr.hit("DSR-01", i, f"due on Midsummer Eve {_d(mid)} (not rolled), answered the Monday after")
    xmas = latest_yearly(d, lambda y: date(y, 12, 25), 10)
    on_time_and_late({xmas}, xmas, "Christmas Day", late_too=False, rtype="erasure")
    eve = date(xmas.year, 12, 24)
    r = received_for({eve}, eve)
    if r is not None:
        due = dl.due1(r)
        i = req(at(r, 10, 0), "objection", at(dl.next_working(due + timedelta(days=1)), 10, 0))
        tr.hit("DSR-01", i, f"due {_d(due)} (Christmas Eve is not a holiday), answered after the holidays")
    epi = latest_yearly(d, lambda y: date(y, 1, 6), 5)
    on_time_and_late({epi}, epi, "Epiphany (public holiday)", late_too=False, rtype="withdraw_consent")
    ny = latest_yearly(d, lambda y: date(y, 1, 1), 5)
    on_time_and_late({ny}, ny, "New Year's Day", rtype="portability")
    jan31 = latest(lambda x: x.month == 1 and x.day == 31 and dl.due1(x) + timedelta(days=1) <= d, d, ago(800))
    if jan31 is not None:
        on_time_and_late({add_months(jan31, 1)}, jan31, "31 Jan + 1 month clamps to 28/29 Feb", rtype="rectification")

    # just after midnight in Stockholm = the previous day in UTC
    r = ago(90)
    i = req(at(r, 0, 30), "access", at(dl.due1(r), 23, 30))
    tr.near("DSR-01", i, f"received 00:30 {_d(r)} (UTC day before), answered 23:30 on due {_d(dl.due1(r))}")
    r = ago(95)
    i = req(at(r, 0, 30), "access", at(dl.due1(r) + timedelta(days=1), 0, 15))
    tr.hit("DSR-01", i, f"answered 00:15 the day after due {_d(dl.due1(r))} (UTC: still the due day)")

    # extensions
    r = ago(150)
    u1 = dl.due1(r)
    i = req(at(r, 10, 0), "portability", at(u1 + timedelta(days=20), 11, 0), ext_on=u1 - timedelta(days=3),
            ext_at=at(u1, 0, 30), reason="Många datakällor behöver gås igenom.")
    tr.near("DSR-01", i, f"valid extension notified 00:30 on due_1m {_d(u1)}; answered before due {_d(dl.due3(r))}")
    tr.near("DSR-02", i, "extension notified on due_1m with a reason: valid")
    r = ago(160)
    u1 = dl.due1(r)
    i = req(at(r, 10, 0), "access", at(u1 + timedelta(days=10), 11, 0), ext_on=u1,
            ext_at=at(u1 + timedelta(days=1), 10, 0), reason="Omfattande begäran.")
    tr.hit("DSR-02", i, f"extension notified after due_1m {_d(u1)}")
    tr.hit("DSR-01", i, f"invalid extension, so due {_d(u1)}; answered 10 days later")
    r = ago(170)
    i = req(at(r, 10, 0), "access", at(r + timedelta(days=20), 11, 0), ext_on=r + timedelta(days=10),
            ext_at=at(r + timedelta(days=10), 10, 0), reason="   ")
    tr.hit("DSR-02", i, "extension reason only blanks")
    r = ago(175)
    i = req(at(r, 10, 0), "erasure", at(r + timedelta(days=20), 11, 0), ext_on=r + timedelta(days=12))
    tr.hit("DSR-02", i, "extended_on set, subject never notified")
    r = ago(178)
    i = req(at(r, 10, 0), "restriction", at(r + timedelta(days=15), 11, 0), ext_at=at(r + timedelta(days=8), 10, 0))
    tr.hit("DSR-02", i, "extension notified without a reason (NULL)")

    # refusals and partial answers
    r = ago(180)
    u1 = dl.due1(r)
    i = req(at(r, 10, 0), "access", at(u1 + timedelta(days=5), 10, 0), "refused", ext_on=r + timedelta(days=10),
            ext_at=at(r + timedelta(days=10), 10, 0), reason="Omfattande begäran.", ground="excessive")
    tr.hit("DSR-01", i, f"refusal is due by due_1m {_d(u1)} even with a valid extension")
    r = ago(185)
    u1 = dl.due1(r)
    i = req(at(r, 10, 0), "access", at(u1 + timedelta(days=5), 10, 0), "partially_fulfilled",
            ext_on=r + timedelta(days=10), ext_at=at(r + timedelta(days=10), 10, 0), reason="Omfattande begäran.")
    tr.near("DSR-01", i, "partially fulfilled after due_1m within a valid extension: not a refusal")
    i = req(at(ago(190), 10, 0), "objection", at(ago(180), 10, 0), "refused")
    tr.hit("DSR-05", i, "refused without a refusal_ground")
    i = req(at(ago(191), 10, 0), "objection", at(ago(181), 10, 0), "refused", ground="manifestly_unfounded")
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
    i = req(at(ago(100), 9, 0), "access", at(ago(90), 9, 0), email="  Karin.Holm.D25@Telia.com ", fee=150)
    tr.near("DSR-03", i, "fee for an access request 100 days after a free one (same subject, other spelling)")
    r = ago(120)
    prev = add_months(r, -12) - timedelta(days=1)
    req(at(prev, 9, 0), "access", at(prev + timedelta(days=7), 9, 0), email="lars.dahl.d26@gmail.com")
    i = req(at(r, 10, 0), "access", at(r + timedelta(days=7), 9, 0), email="lars.dahl.d26@gmail.com", fee=200)
    tr.hit("DSR-03", i, f"fee; previous access {_d(prev)} is more than 12 months earlier")
    r = ago(130)
    prev = add_months(r, -12)
    req(at(prev, 9, 0), "access", at(prev + timedelta(days=7), 9, 0), email="sara.lind.d27@gmail.com")
    i = req(at(r, 10, 0), "access", at(r + timedelta(days=7), 9, 0), email="sara.lind.d27@gmail.com", fee=200)
    tr.near("DSR-03", i, f"fee; previous access on {_d(prev)} = add_months(received, -12): inside the window")
    i = req(at(ago(140), 10, 0), "access", at(ago(133), 10, 0), fee=100)
    tr.hit("DSR-03", i, "fee for a first access request")
    i = req(at(ago(145), 10, 0), "erasure", at(ago(138), 10, 0), fee=100)
    tr.hit("DSR-03", i, "fee for an erasure request")
    req(at(ago(180), 10, 0), "rectification", at(ago(175), 10, 0), email="omar.ali.d28@outlook.com")
    i = req(at(ago(150), 10, 0), "access", at(ago(144), 10, 0), email="omar.ali.d28@outlook.com", fee=100)
    tr.hit("DSR-03", i, "fee for access; the earlier request of the subject was not an access request")

    # DSR-04: erasure answered, data still there
    mail = "per.ek.d30@gmail.com"
    p.recipient(p.act, "Per.Ek.D30@gmail.com", at(ago(500), 10, 0))
    i = req(at(ago(50), 10, 0), "erasure", at(ago(45), 10, 0), email=mail, controller="customer", customer_id=p.act)
    tr.hit("DSR-04", i, f"recipient of customer {p.act} with the subject's e-mail remains")
    mail = "lisa.berg.d31@gmail.com"
    p.recipient(p.act2, mail, at(ago(500), 10, 0))
    i = req(at(ago(52), 10, 0), "erasure", at(ago(47), 10, 0), email=mail, controller="customer", customer_id=p.act)
    tr.near("DSR-04", i, "the e-mail exists only at another customer")
    mail = "johan.sten.d32@yahoo.se"
    p.row("support_tickets", "ticket_id", customer_id=None, contact_name="Johan Sten", contact_email=mail,
          channel="chat", subject="Fråga", opened_at=at(ago(100), 10, 0), closed_at=at(ago(98), 10, 0))
    i = req(at(ago(60), 10, 0), "erasure", at(ago(54), 10, 0), email=mail)
    tr.hit("DSR-04", i, "support ticket with the subject's e-mail remains")
    mail = "olof.nyman.d33@aktivbolaget.se"
    uid = p.user(p.act, mail, at(ago(700), 9, 0), "Olof Nyman")
    i = req(at(ago(62), 10, 0), "erasure", at(ago(57), 10, 0), email=mail, user_id=uid)
    tr.hit("DSR-04", i, f"users row {uid} (subject_user_id) remains")
    mail = "elin.vik.d34@icloud.com"
    i = req(at(ago(40), 10, 0), "erasure", at(ago(35), 10, 0), email=mail)
    p.row("orders", "order_id", customer_id=None, contact_name="Elin Vik", contact_email=mail,
          contact_phone="+46731112233", company_name="Viks Måleri AB", ordered_at=at(ago(5), 14, 0))
    tr.near("DSR-04", i, "the only order with the e-mail was placed after the answer")
    mail = "goran.falk.d35@telia.com"
    p.row("support_tickets", "ticket_id", customer_id=None, contact_name="Göran Falk", contact_email=mail,
          channel="email", subject="Faktura", opened_at=at(ago(90), 10, 0), closed_at=at(ago(89), 10, 0))
    i = req(at(ago(70), 10, 0), "erasure", at(ago(65), 10, 0), "refused", email=mail, ground="legal_obligation")
    tr.near("DSR-04", i, "erasure refused: data may stay")


# ---------------------------------------------------------------------------------------------
def _quality(p: Planter) -> None:
    d, tr, ago = p.d, p.truth, p.ago
    # DQ-03: a delivery whose recipient is gone (message, customer and gateway are fine)
    p.message(p.act, p.act_rows["user"], at(ago(12), 10, 0), [p.act_rows["recipient"], MISSING_RECIPIENT])
    tr.hit("DQ-03", "message_deliveries", f"delivery to recipient {MISSING_RECIPIENT}, which does not exist")
    # DQ-04: a lower-case country code in customers (no rule reads customers.country)
    c = p.customer("Gemener", ago(700), [(ago(700), None, "basic")], country="se")
    p.service(c, ago(650), ago(3))
    tr.hit("DQ-04", "customers", f"customer {c} has country 'se' (not ISO alpha-2 upper case)")
    # DQ-05: time-impossible rows
    p.row("support_tickets", "ticket_id", customer_id=p.act, contact_name="Kund Fyra",
          contact_email="kund.t4@aktivbolaget.se", channel="email", subject="Tidsfel",
          opened_at=at(ago(3), 10, 0), closed_at=at(ago(4), 9, 0))
    tr.hit("DQ-05", "support_tickets", "closed_at before opened_at")
    p.future_ok = {"cookie_consents"}
    p.row("cookie_consents", "consent_id", visitor_id="planted-consent-future", ip_address="90.224.1.12",
          consented_at=at(ago(2), 12, 0), categories="necessary", withdrawn_at=at(d + timedelta(days=1), 12, 0))
    p.future_ok = set()
    tr.hit("DQ-05", "cookie_consents", "withdrawn_at after the snapshot time")
