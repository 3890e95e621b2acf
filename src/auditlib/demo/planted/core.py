"""The planting machinery: ``Planter`` (adds deterministic rows) and ``Truth`` (what must be found).

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
)
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
    total = sum(
        (2 * int(c)) // 10 + (2 * int(c)) % 10 if i % 2 == 0 else int(c) for i, c in enumerate(body)
    )
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
        self.future_ok: set[str] = (
            set()
        )  # tables whose planted rows may lie after the export (DQ-05)
        # hosts other cases hang rows on (set by retention.plant)
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
            if (
                isinstance(v, datetime)
                and v > self.end
                and table not in self.future_ok
                and k != "expires_at"
            ):
                raise AssertionError(
                    f"planted {table} row {i} has a timestamp after the export: {values}"
                )
        self.rows[table].append({pk: i, **values})
        return i

    def ago(self, n: int) -> date:
        return self.d - timedelta(days=n)

    def customer(
        self,
        label: str,
        created: date,
        contracts: list[tuple[date, date | None, str]],
        country: str = "SE",
    ) -> int:
        cid = self.new_id("customers")
        self.domains[cid] = f"{label.lower().translate(_ASCII)}{cid % 1000}.se"
        self.row(
            "customers",
            "customer_id",
            customer_id=cid,
            org_number=_org_number(cid),
            name=f"{label} AB",
            country=country,
            created_at=at(created, 9, 0),
        )
        for signed, ends, plan in contracts:
            term = None if ends is None else at(min(ends - timedelta(days=30), self.ago(1)), 11, 0)
            if term is not None and term < at(signed, 12, 0):
                term = at(signed, 12, 0)
            self.row(
                "contracts",
                "contract_id",
                customer_id=cid,
                plan=plan,
                signed_on=signed,
                ends_on=ends,
                terminated_at=term,
            )
        return cid

    def user(self, cid: int, email: str, created: datetime, name: str = "Demo Användare") -> int:
        return self.row(
            "users",
            "user_id",
            customer_id=cid,
            full_name=name,
            email=email,
            password_hash="$argon2id$v=19$m=65536,t=3,p=4$planted$planted",
            is_admin=False,
            created_at=created,
        )

    def recipient(
        self, cid: int, email: str | None, created: datetime, phone: str | None = None
    ) -> int:
        return self.row(
            "recipients",
            "recipient_id",
            customer_id=cid,
            full_name="Planterad Mottagare",
            email=email,
            phone=phone or "+46701234567",
            created_at=created,
        )

    def message(
        self,
        cid: int,
        sender: int | None,
        created: datetime,
        recipients: list[int],
        channel: str = "email",
        gateway: int | None = None,
        delay: timedelta = timedelta(minutes=2),
    ) -> int:
        mid = self.row(
            "messages",
            "message_id",
            customer_id=cid,
            sender_user_id=sender,
            channel=channel,
            subject="Planterat utskick" if channel == "email" else None,
            body="Hej! Detta är ett planterat testutskick.",
            created_at=created,
        )
        sp = gateway if gateway is not None else (reg.SMS if channel == "sms" else reg.EMAIL)
        for r in recipients:
            self.rows["message_deliveries"].append(
                {
                    "message_id": mid,
                    "recipient_id": r,
                    "subprocessor_id": sp,
                    "status": "delivered",
                    "delivered_at": created + delay,
                }
            )
        return mid

    def login(self, uid: int, cid: int, when: datetime) -> int:
        return self.row(
            "login_events",
            "event_id",
            user_id=uid,
            customer_id=cid,
            occurred_at=when,
            ip_address="81.234.10.77",
            user_agent="Mozilla/5.0 (planted)",
            success=True,
        )

    def service(self, cid: int, first: date, last: date, logins: bool = True) -> dict[str, int]:
        """Two users, three recipients, a message to them and (optionally) recent logins."""
        dom = self.domains[cid]
        u1 = self.user(cid, f"admin.{cid}@{dom}", at(first, 9, 0))
        u2 = self.user(cid, f"anstalld.{cid}@{dom}", at(first + (last - first) // 3, 9, 30))
        rs = [
            self.recipient(
                cid, f"mottagare{i}.{cid}@gmail.com", at(first + (last - first) * i // 4, 10, 0)
            )
            for i in range(3)
        ]
        mid = self.message(cid, u1, at(last, 11, 0) - timedelta(days=1), rs)
        if logins:
            self.login(u1, cid, at(last - timedelta(days=2), 8, 15))
            self.login(u2, cid, at(last - timedelta(days=1), 13, 40))
        return {"user": u1, "user2": u2, "recipient": rs[0], "message": mid}

    def run(
        self,
        scope: str,
        requested: datetime,
        completed: datetime | None,
        status: str,
        customer_id: int | None = None,
        subject_email: str | None = None,
        rows: int | None = 0,
    ) -> int:
        return self.row(
            "deletion_runs",
            "run_id",
            scope=scope,
            customer_id=customer_id,
            subject_email=subject_email,
            requested_at=requested,
            completed_at=completed,
            status=status,
            rows_deleted=rows if completed is not None else None,
        )

    def offboard(self, cid: int, due: date, hh: int = 3, mm: int = 10) -> int:
        return self.run(
            "customer_offboarding",
            at(due - timedelta(days=1), 22, 0),
            at(due, hh, mm),
            "completed",
            customer_id=cid,
            rows=1234,
        )

    def backup(
        self,
        taken: datetime,
        expires: datetime,
        destroyed: datetime | None,
        country: str = "SE",
        sp: int | None = reg.BACKUP,
    ) -> int:
        return self.row(
            "backups",
            "backup_id",
            taken_at=taken,
            storage_subprocessor_id=sp,
            storage_country=country,
            expires_at=expires,
            destroyed_at=destroyed,
        )

    def hold(self, cid: int, placed: date, lifted: date | None) -> int:
        return self.row(
            "legal_holds",
            "hold_id",
            customer_id=cid,
            authority="Ekobrottsmyndigheten",
            reference=f"Dnr EBM {cid % 1000}-{placed.year}",
            placed_on=placed,
            lifted_on=lifted,
        )

    def due(self, ends: date) -> date:
        return add_months(ends, self.p.offboarding_grace_months)

    def flush(self) -> None:
        for table, rows in self.rows.items():
            self.t.add_rows(table, rows)
        self.rows.clear()
