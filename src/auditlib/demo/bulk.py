"""The clean bulk of the demo export, generated as a stream of chunks (constant memory).

Sizes scale with ``scale``: scale 1 is about 1,000 customers, 20,000 users,
200,000 recipients, 100,000 messages, 2,000,000 deliveries and 1,000,000 login
events (3.4 million rows in all); scale 100 is about 340 million rows.

Memory (generator version 2): only per-customer and per-user *numbers* are held
for the whole run (about 60 bytes per user, 200 bytes per customer: ~150 MB at
scale 100); every row-level table is generated and handed to ``emit`` in chunks of
at most ~``CHUNK_ROWS`` rows, each chunk from its own generator seeded with
``(seed, table, chunk number)``, so the output depends on seed and scale only.
Event tables whose ids follow time (login events, messages, tickets, consents,
transfers, invoices) are generated in time slices, in order, so ids still follow
time across the whole table without a global sort:
- per user (login events) and per customer (messages) the total count is drawn
  once (multinomial, as before); each slice then takes a binomial share of what
  is left in proportion to the slice's share of the remaining time window, which
  spreads the events uniformly over the window with the exact total;
- tickets, consents and transfers draw their per-day counts once.

How the bulk stays clean at D = as_of (each line is a rule it must not trip):
- customers are active, end in the future, ended recently (``deletion_due`` >= D),
  or were offboarded long ago (``deletion_due`` <= D - 270) by a completed
  ``customer_offboarding`` run on the due day that left no Service rows (RET-01/02).
  Offboarding completed long before the oldest backup that still exists (RET-03).
- daily backups (01:30 Stockholm) expire after 35 days and are destroyed 20 minutes
  after expiry, so only the last 35 exist; all stored in SE by the backup vendor
  (RET-04, SUB-07).
- login events within the last 300 days (RET-09), cookie consents within 360 days
  (RET-08), support tickets opened within 600 days (RET-07), invoices only of
  fiscal years >= D.year - 6, numbered gap-free (RET-05/06).
- deliveries and transfers only to engaged subprocessors with a DPA, inside the
  EU/EEA (SUB-05/06).
- DSRs answered within 20 days of receipt, no fee, refusals with a ground; open
  ones were received in the last 5 days (due > D + 7: no DSR-06). Erasure subjects
  use addresses (``first_last<n>@``) that no other table contains (DSR-04, RET-02).
"""

from __future__ import annotations

import binascii
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from auditlib.demo import names as nm
from auditlib.demo import register as reg
from auditlib.demo.clock import add_months_np, business_seconds, local_to_utc, np_day

GENERATOR_VERSION = 2  # 1: everything in memory, one generator; 2: chunked, per-chunk generators
CHUNK_ROWS = 500_000
DELIVERY_BATCH = 50_000  # messages per delivery chunk (about 1M deliveries)

PLANS = np.array(["basic", "pro", "enterprise"])
PLAN_PRICE = {"basic": 612, "pro": 1862, "enterprise": 6237}  # SEK per month incl. VAT
BACKUP_DAYS = 730
BACKUP_KEEP_DAYS = 35
EMAIL_SUBJECTS = np.array(
    [
        "Välkommen till vårens aktiviteter",
        "Påminnelse: möte på torsdag",
        "Nyhetsbrev",
        "Viktig information",
        "Inbjudan till årsmöte",
        "Ändrade öppettider",
        "Tack för i år!",
        "Schemaändring vecka 12",
    ]
)
BODIES = np.array(
    [
        "Hej! Här kommer veckans information. Vänliga hälsningar",
        "Påminnelse om din bokade tid. Svara STOPP för att avregistrera dig.",
        "Välkommen på årsmöte i föreningens lokal. Dagordning bifogas.",
        "Vi har ändrade öppettider under helgerna. Se vår webbplats.",
        "Tack för att du är kund hos oss!",
    ]
)
TICKET_SUBJECTS = np.array(
    [
        "Kan inte logga in",
        "Fråga om faktura",
        "SMS kommer inte fram",
        "Hur importerar jag mottagare?",
        "Byta abonnemang",
        "Felmeddelande vid utskick",
        "Radera mitt konto",
        "Fråga om personuppgifter",
    ]
)
CONSENT_CATEGORIES = np.array(
    ["necessary", "necessary,analytics", "necessary,analytics,marketing", "necessary,marketing"]
)
DSR_TYPES = np.array(
    [
        "access",
        "rectification",
        "erasure",
        "restriction",
        "portability",
        "objection",
        "withdraw_consent",
        "automated_decision",
    ]
)
DSR_CHANNELS = np.array(["email", "chat", "web_form", "letter"])
REFUSAL_GROUNDS = np.array(
    ["manifestly_unfounded", "excessive", "identity_not_verified", "legal_obligation"]
)

Emit = Callable[
    ..., None
]  # emit(table, **columns): one chunk of a table, rows in primary-key order


def rng_for(seed: int, stream: str, *index: int) -> np.random.Generator:
    """The generator of one stream (a table or a part of one) and chunk: independent of chunking elsewhere."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode()), *index])


@dataclass
class BulkInfo:
    """What planted cases and invoices need to know about the bulk."""

    n_customers: int
    service_customers: np.ndarray  # ids of customers that hold Service data
    customer_domain: dict[int, str]
    contracts: pd.DataFrame  # customer_id, plan, signed_on, ends_on (for the invoices)


def _hex(rng: np.random.Generator, n: int, nbytes: int) -> np.ndarray:
    raw = binascii.hexlify(rng.bytes(n * nbytes))
    return np.frombuffer(raw, dtype=f"S{2 * nbytes}")


def _uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A random day in [lo, hi] (datetime64[D] arrays)."""
    span = (hi - lo).astype(np.int64) + 1
    return lo + np.floor(rng.random(len(lo)) * span).astype(np.int64).astype("timedelta64[D]")


def _scaled(n: float, scale: float, minimum: int) -> int:
    return max(minimum, round(n * scale))


def _blocks(counts: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive index ranges [a, b) whose ``counts`` sum to about ``limit`` (at least one item each)."""
    cum = np.cumsum(counts)
    a, n = 0, len(counts)
    while a < n:
        base = cum[a - 1] if a else 0
        b = int(np.searchsorted(cum, base + limit, side="right"))
        b = min(max(b, a + 1), n)
        yield a, b
        a = b


def _split_over_slices(
    rng: np.random.Generator,
    remaining: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    t0: int,
    t1: int,
) -> np.ndarray:
    """How many of each item's ``remaining`` events fall in [t0, t1): binomial share of the rest of [lo, hi).

    ``remaining`` is reduced in place. Slices must be visited in time order.
    """
    start = np.maximum(lo, t0)
    rest = hi - start
    overlap = np.clip(np.minimum(hi, t1) - start, 0, None)
    p = np.where(rest > 0, overlap / np.maximum(rest, 1), 0.0)
    p = np.where(hi <= t1, 1.0, p)  # the last slice of a window takes what is left
    p = np.where(overlap > 0, p, 0.0)
    k = rng.binomial(remaining, np.clip(p, 0.0, 1.0))
    remaining -= k
    return k


def _day_chunks(
    rng: np.random.Generator, n: int, lo: np.datetime64, n_days: int
) -> Iterator[np.ndarray]:
    """``n`` events spread uniformly over ``n_days`` days from ``lo``: per chunk, the day of each event, in order."""
    per_day = rng.multinomial(n, np.full(n_days, 1.0 / n_days))
    for a, b in _blocks(per_day, CHUNK_ROWS):
        yield np.repeat(lo + np.arange(a, b).astype("timedelta64[D]"), per_day[a:b])


def generate_bulk(emit: Emit, seed: int, d: date, scale: float) -> BulkInfo:
    dd = np_day(d)
    # the manifest's exported_at (clock.end_of_day): no bulk instant lies after it
    end = local_to_utc(np.array([dd]), np.array([23 * 3600 + 59 * 60 + 59]))[0]
    rng = rng_for(seed, "customers")

    # -- customers and contracts (per-customer arrays stay in memory) ----------------------
    n_c = _scaled(1000, scale, 8)
    cid = np.arange(1, n_c + 1, dtype=np.int64)
    kinds = rng.choice(
        np.array(["active", "recent_end", "ending", "offboarded"]), n_c, p=[0.78, 0.04, 0.06, 0.12]
    )
    kinds[:4] = ["active", "recent_end", "ending", "offboarded"]
    window_start = dd - np.timedelta64(6 * 365, "D")
    ends = np.full(n_c, np.datetime64("NaT"), dtype="datetime64[D]")
    created_day = dd - rng.integers(60, 6 * 365, n_c).astype("timedelta64[D]")
    off = kinds == "offboarded"
    ends[off] = dd - rng.integers(300, 5 * 365, off.sum()).astype("timedelta64[D]")
    created_day[off] = _uniform_days(
        rng, np.full(off.sum(), window_start), ends[off] - np.timedelta64(180, "D")
    )
    rec = kinds == "recent_end"
    ends[rec] = dd - rng.integers(1, 28, rec.sum()).astype("timedelta64[D]")
    ending = kinds == "ending"
    ends[ending] = dd + rng.integers(0, 90, ending.sum()).astype("timedelta64[D]")
    created_at = local_to_utc(created_day, business_seconds(rng, n_c))
    cnames, stems = nm.company_names(rng, n_c)
    domains = nm.company_domains(stems, cid)
    emit(
        "customers",
        customer_id=cid,
        org_number=nm.org_numbers(rng, n_c),
        name=cnames,
        country=np.full(n_c, "SE", dtype=object),
        created_at=created_at,
    )

    last_day = np.where(np.isnat(ends), dd, np.minimum(ends, dd))
    span = (last_day - created_day).astype(np.int64)
    two = (rng.random(n_c) < 0.4) & (span > 120)
    split = created_day + (30 + np.floor(rng.random(n_c) * np.maximum(span - 60, 1))).astype(
        "timedelta64[D]"
    )
    plan1 = rng.choice(PLANS, n_c, p=[0.5, 0.35, 0.15])
    plan2 = rng.choice(PLANS, n_c, p=[0.3, 0.45, 0.25])
    # first contract: ends at the split (plan change) or at the customer's end
    c1_end = np.where(two, split, ends)
    c2_sign = split + np.timedelta64(1, "D")
    con_cust = np.concatenate([cid, cid[two]])
    con_plan = np.concatenate([plan1, plan2[two]])
    con_sign = np.concatenate([created_day, c2_sign[two]])
    con_end = np.concatenate([c1_end, ends[two]])
    notice_day = np.maximum(
        con_sign,
        np.minimum(
            con_end - rng.integers(30, 90, len(con_end)).astype("timedelta64[D]"),
            dd - np.timedelta64(1, "D"),
        ),
    )
    has_end = ~np.isnat(con_end)
    notice_day = np.where(has_end, notice_day, np.datetime64("NaT"))
    term = local_to_utc(np.where(has_end, notice_day, dd), business_seconds(rng, len(con_end)))
    term = np.where(has_end, term, np.datetime64("NaT"))
    order = np.lexsort((con_sign, con_cust))
    n_con = len(con_cust)
    emit(
        "contracts",
        contract_id=np.arange(1, n_con + 1, dtype=np.int64),
        customer_id=con_cust[order],
        plan=con_plan[order].astype(object),
        signed_on=con_sign[order],
        ends_on=con_end[order],
        terminated_at=term[order],
    )
    contracts = pd.DataFrame(
        {
            "customer_id": con_cust[order],
            "plan": con_plan[order],
            "signed_on": con_sign[order],
            "ends_on": con_end[order],
        }
    )

    # -- Service data: only customers that still hold it ----------------------------------
    svc = ~off
    s_ids = cid[svc]
    n_s = len(s_ids)
    s_created = created_day[svc]
    s_created_at = created_at[svc]
    s_dom = domains[svc]
    s_hi = np.where(np.isnat(ends[svc]), dd, np.minimum(ends[svc], dd))  # last day of activity
    weight = rng.lognormal(0, 1.0, n_s)
    weight /= weight.sum()

    def per_customer(total: int) -> np.ndarray:
        return 1 + rng.multinomial(max(total - n_s, 0), weight)

    n_users_c = per_customer(_scaled(20_000, scale, 20))
    n_rec_c = per_customer(_scaled(200_000, scale, 200))
    n_msg_c = per_customer(_scaled(100_000, scale, 100))
    u_start = np.concatenate([[0], np.cumsum(n_users_c)[:-1]])
    r_start = np.concatenate([[0], np.cumsum(n_rec_c)[:-1]])

    # users: the numbers login events need, for every user (about 40 bytes each)
    n_u = int(n_users_c.sum())
    u_cidx = np.repeat(np.arange(n_s, dtype=np.int32), n_users_c)
    first_of_c = np.zeros(n_u, dtype=bool)
    first_of_c[u_start] = True
    u_created = np.empty(n_u, dtype="datetime64[us]")
    u_deact = np.empty(n_u, dtype="datetime64[us]")
    for k, (a, b) in enumerate(_blocks(np.ones(n_u), CHUNK_ROWS)):
        r = rng_for(seed, "users.life", k)
        ci, f = u_cidx[a:b], first_of_c[a:b]
        day = np.where(f, s_created[ci], _uniform_days(r, s_created[ci], s_hi[ci]))
        created = local_to_utc(day, business_seconds(r, b - a))
        created[f] = s_created_at[ci[f]]
        room = (s_hi[ci] - day).astype(np.int64)
        deact = (r.random(b - a) < 0.08) & (room >= 2) & ~f
        deact_day = day + (1 + np.floor(r.random(b - a) * np.maximum(room - 1, 1))).astype(
            "timedelta64[D]"
        )
        u_created[a:b] = created
        u_deact[a:b] = np.where(
            deact, local_to_utc(deact_day, business_seconds(r, b - a)), np.datetime64("NaT")
        )

    # login events: last 300 days, inside the user's active life; ids in time order
    n_l = _scaled(1_000_000, scale, 200)
    lo_bound = local_to_utc(np.array([dd - np.timedelta64(300, "D")]), np.array([0]))[0]
    cust_end = local_to_utc(s_hi, np.full(n_s, 23 * 3600))  # 23:00 on the last active day
    lo = np.maximum(u_created, lo_bound).astype(np.int64)
    hi = np.minimum(
        np.minimum(np.where(np.isnat(u_deact), end, u_deact), cust_end[u_cidx]), end
    ).astype(np.int64)
    ok = hi > lo + 3_600_000_000
    r = rng_for(seed, "login_events.counts")
    lw = r.random(n_u) * ok
    left = r.multinomial(n_l, lw / lw.sum()).astype(np.int64)
    last_login = np.full(n_u, np.iinfo(np.int64).min, dtype=np.int64)
    t_lo, t_hi = int(lo_bound.astype(np.int64)), int(end.astype(np.int64)) + 1
    n_slices = int(np.clip(np.ceil(n_l / CHUNK_ROWS), 1, 300))
    bounds = (
        t_lo
        + (np.arange(n_slices + 1) * ((t_hi - t_lo) / n_slices)).astype(np.int64)
        // 1_000_000
        * 1_000_000
    )
    bounds[-1] = t_hi
    next_id = 1
    for s in range(n_slices):
        r = rng_for(seed, "login_events", s)
        t0, t1 = int(bounds[s]), int(bounds[s + 1])
        k = _split_over_slices(r, left, lo, hi, t0, t1)
        ev_u = np.repeat(np.nonzero(k)[0], k[k > 0])
        a = np.maximum(lo[ev_u], t0)
        b = np.minimum(hi[ev_u], t1)
        occ = a + np.floor(r.random(len(ev_u)) * (b - a)).astype(np.int64) // 1_000_000 * 1_000_000
        occ = np.maximum(occ, a)
        order = np.argsort(occ, kind="stable")
        occ, ev_u = occ[order], ev_u[order]
        n_ev = len(occ)
        success = r.random(n_ev) < 0.95
        v6 = r.random(n_ev) < 0.15
        # text stays in Arrow (a NumPy '<U120' user agent costs 480 bytes a row: the peak at scale 100)
        ips = pc.if_else(
            pa.array(v6), nm.ipv6(r, n_ev, as_arrow=True), nm.ipv4(r, n_ev, as_arrow=True)
        )
        np.maximum.at(last_login, ev_u[success], occ[success])
        emit(
            "login_events",
            event_id=np.arange(next_id, next_id + n_ev, dtype=np.int64),
            user_id=ev_u + 1,
            customer_id=s_ids[u_cidx[ev_u]],
            occurred_at=occ.astype("datetime64[us]"),
            ip_address=ips,
            user_agent=nm.pick(r, nm.USER_AGENTS, n_ev),
            success=success,
        )
        next_id += n_ev
    del lo, hi, left, lw, ok

    # users: written after their logins (last_login_at), text made per chunk
    for k, (a, b) in enumerate(_blocks(np.ones(n_u), CHUNK_ROWS)):
        r = rng_for(seed, "users", k)
        n = b - a
        u_id = np.arange(a + 1, b + 1, dtype=np.int64)
        ci = u_cidx[a:b]
        first, last = nm.person_names(r, n)
        ll = last_login[a:b]
        emit(
            "users",
            user_id=u_id,
            customer_id=s_ids[ci],
            full_name=nm.join(first, " ", last),
            email=nm.emails(first, last, u_id, s_dom[ci]),
            password_hash=nm.join(
                "$argon2id$v=19$m=65536,t=3,p=4$", _hex(r, n, 8), "$", _hex(r, n, 16)
            ),
            profile_image_url=np.where(
                r.random(n) < 0.3, nm.join("https://cdn.one2many.se/avatars/", u_id, ".jpg"), None
            ),
            is_admin=first_of_c[a:b] | (r.random(n) < 0.1),
            created_at=u_created[a:b],
            last_login_at=np.where(
                ll == np.iinfo(np.int64).min, np.datetime64("NaT"), ll.astype("datetime64[us]")
            ),
            deactivated_at=u_deact[a:b],
        )
    del last_login, u_deact, first_of_c

    # recipients: blocks of whole customers
    for k, (ca, cb) in enumerate(_blocks(n_rec_c, CHUNK_ROWS)):
        r = rng_for(seed, "recipients", k)
        counts = n_rec_c[ca:cb]
        n = int(counts.sum())
        r_cidx = np.repeat(np.arange(ca, cb), counts)
        r_id = r_start[ca] + 1 + np.arange(n, dtype=np.int64)
        r_day = _uniform_days(r, s_created[r_cidx], s_hi[r_cidx])
        rf, rl = nm.person_names(r, n)
        has_mail = r.random(n) < 0.7
        has_phone = ~has_mail | (r.random(n) < 0.6)
        emit(
            "recipients",
            recipient_id=r_id,
            customer_id=s_ids[r_cidx],
            full_name=np.where(r.random(n) < 0.9, nm.join(rf, " ", rl), None),
            email=np.where(has_mail, nm.emails(rf, rl, r_id, r.choice(nm.MAIL_DOMAINS, n)), None),
            phone=np.where(has_phone, nm.mobile_numbers(r, n), None),
            created_at=local_to_utc(r_day, business_seconds(r, n)),
        )

    # messages: the last 365 days of each customer's active life, in day slices (ids in time order);
    # deliveries: a window of the customer's recipients per message (unique pairs)
    m_lo = np.maximum(s_created, dd - np.timedelta64(365, "D")).astype(np.int64)
    m_hi = s_hi.astype(np.int64) + 1  # exclusive, in days
    m_left = n_msg_c.astype(np.int64).copy()
    first_day = int(m_lo.min())
    n_days = int(m_hi.max()) - first_day
    n_m_total = int(n_msg_c.sum())
    lam = max(_scaled(2_000_000, scale, 1000) / n_m_total - 1, 0.5)
    n_slices = int(np.clip(np.ceil(n_m_total / CHUNK_ROWS * 20), 1, n_days))
    day_bounds = first_day + (np.arange(n_slices + 1) * n_days) // n_slices
    next_id = 1
    for s in range(n_slices):
        r = rng_for(seed, "messages", s)
        t0, t1 = int(day_bounds[s]), int(day_bounds[s + 1])
        k = _split_over_slices(r, m_left, m_lo, m_hi, t0, t1)
        m_cidx = np.repeat(np.nonzero(k)[0], k[k > 0])
        n_m = len(m_cidx)
        a = np.maximum(m_lo[m_cidx], t0)
        b = np.minimum(m_hi[m_cidx], t1)
        m_day = (a + np.floor(r.random(n_m) * (b - a)).astype(np.int64)).astype("datetime64[D]")
        m_created = local_to_utc(m_day, business_seconds(r, n_m))
        order = np.argsort(m_created, kind="stable")
        m_cidx, m_created = m_cidx[order], m_created[order]
        m_id = np.arange(next_id, next_id + n_m, dtype=np.int64)
        next_id += n_m
        channel = r.choice(np.array(["email", "sms", "push"]), n_m, p=[0.6, 0.35, 0.05])
        sender = u_start[m_cidx] + 1 + np.floor(r.random(n_m) * n_users_c[m_cidx]).astype(np.int64)
        emit(
            "messages",
            message_id=m_id,
            customer_id=s_ids[m_cidx],
            sender_user_id=sender,
            channel=channel.astype(object),
            subject=np.where(
                channel == "email", r.choice(EMAIL_SUBJECTS, n_m).astype(object), None
            ),
            body=r.choice(BODIES, n_m).astype(object),
            created_at=m_created,
        )
        for j0 in range(0, n_m, DELIVERY_BATCH):
            rd = rng_for(seed, "message_deliveries", s, j0 // DELIVERY_BATCH)
            sl = slice(j0, min(j0 + DELIVERY_BATCH, n_m))
            _deliveries(
                emit, rd, m_id[sl], m_cidx[sl], m_created[sl], channel[sl], lam, n_rec_c, r_start
            )

    # -- Netdialog's own records --------------------------------------------------------------
    # orders: one per customer before it became one, plus prospects that never did
    rng = rng_for(seed, "orders")
    n_p = _scaled(300, scale, 5)
    o_cust = np.concatenate([cid, np.full(n_p, -1)])
    o_n = len(o_cust)
    of, ol = nm.person_names(rng, o_n)
    p_names, p_stems = nm.company_names(rng, n_p)
    o_company = np.concatenate([cnames, p_names])
    o_dom = np.concatenate(
        [domains, nm.company_domains(p_stems, np.arange(n_c + 1, n_c + n_p + 1))]
    )
    o_day = np.concatenate(
        [
            created_day - rng.integers(1, 10, n_c).astype("timedelta64[D]"),
            dd - rng.integers(0, 730, n_p).astype("timedelta64[D]"),
        ]
    )
    o_at = local_to_utc(o_day, business_seconds(rng, o_n))
    order = np.argsort(o_at, kind="stable")
    emit(
        "orders",
        order_id=np.arange(1, o_n + 1, dtype=np.int64),
        customer_id=np.where(o_cust >= 0, o_cust, None).astype(object)[order],
        contact_name=nm.join(of, " ", ol)[order],
        contact_email=nm.join(nm.ascii_lower(of), "@", o_dom)[order],
        contact_phone=np.where(rng.random(o_n) < 0.8, nm.mobile_numbers(rng, o_n), None)[order],
        company_name=o_company[order],
        ordered_at=o_at[order],
    )
    del o_company, o_dom, of, ol, cnames

    # support tickets: opened within 600 days, closed within 10 days (or still open)
    n_t = _scaled(5000, scale, 20)
    next_id = 1
    for k, days in enumerate(
        _day_chunks(rng_for(seed, "support_tickets.days"), n_t, dd - np.timedelta64(599, "D"), 600)
    ):
        r = rng_for(seed, "support_tickets", k)
        n = len(days)
        t_open = np.sort(local_to_utc(days, business_seconds(r, n)))
        t_close = t_open + r.integers(600, 10 * 86400, n).astype("timedelta64[s]")
        t_close = np.where((t_close > end) | (r.random(n) < 0.03), np.datetime64("NaT"), t_close)
        t_cust = np.where(r.random(n) < 0.75, r.choice(s_ids, n), -1)
        tf, tl = nm.person_names(r, n)
        t_id = np.arange(next_id, next_id + n, dtype=np.int64)
        next_id += n
        emit(
            "support_tickets",
            ticket_id=t_id,
            customer_id=np.where(t_cust >= 0, t_cust, None).astype(object),
            contact_name=nm.join(tf, " ", tl),
            contact_email=nm.join(
                nm.ascii_lower(tf), ".t", t_id, "@", r.choice(nm.MAIL_DOMAINS, n)
            ),
            channel=r.choice(np.array(["chat", "email"]), n).astype(object),
            subject=r.choice(TICKET_SUBJECTS, n).astype(object),
            opened_at=t_open,
            closed_at=t_close,
        )

    # cookie consents: within 360 days
    n_cc = _scaled(50_000, scale, 50)
    next_id = 1
    for k, days in enumerate(
        _day_chunks(rng_for(seed, "cookie_consents.days"), n_cc, dd - np.timedelta64(359, "D"), 360)
    ):
        r = rng_for(seed, "cookie_consents", k)
        n = len(days)
        cc_at = np.minimum(np.sort(local_to_utc(days, r.integers(0, 86400, n))), end)
        wd = r.random(n) < 0.05
        cc_wd = cc_at + (
            r.random(n) * (end - cc_at).astype(np.int64) // 1_000_000 * 1_000_000
        ).astype(np.int64).astype("timedelta64[us]")
        emit(
            "cookie_consents",
            consent_id=np.arange(next_id, next_id + n, dtype=np.int64),
            visitor_id=_hex(r, n, 16),
            ip_address=np.where(r.random(n) < 0.9, nm.ipv4(r, n), None),
            consented_at=cc_at,
            categories=r.choice(CONSENT_CATEGORIES, n).astype(object),
            withdrawn_at=np.where(wd, cc_wd, np.datetime64("NaT")),
        )
        next_id += n

    # data transfers to engaged EU/EEA subprocessors with a DPA, last 365 days
    n_x = _scaled(20_000, scale, 50)
    targets = np.array([reg.BACKUP, reg.SMS, reg.EMAIL, reg.CHAT, reg.ATLANTIC])
    dest = np.array(["SE", "SE", "DE", "FI", "IE"], dtype=object)
    cats = np.array(
        ["message_content", "contact_details", "message_content", "support", "contact_details"],
        dtype=object,
    )
    next_id = 1
    for k, days in enumerate(
        _day_chunks(rng_for(seed, "data_transfers.days"), n_x, dd - np.timedelta64(364, "D"), 365)
    ):
        r = rng_for(seed, "data_transfers", k)
        n = len(days)
        pick = r.integers(0, len(targets), n)
        x_at = np.sort(local_to_utc(days, r.integers(3 * 3600, 23 * 3600, n)))
        emit(
            "data_transfers",
            transfer_id=np.arange(next_id, next_id + n, dtype=np.int64),
            subprocessor_id=targets[pick],
            customer_id=np.where(targets[pick] == reg.CHAT, None, r.choice(s_ids, n)).astype(
                object
            ),
            occurred_at=x_at,
            destination_country=dest[pick],
            data_category=cats[pick],
            record_count=r.integers(1, 5000, n).astype(np.int32),
        )
        next_id += n

    # backups: daily at 01:30 Stockholm, 35 days, destroyed 20 minutes after expiry
    b_day = dd - np.arange(BACKUP_DAYS - 1, -1, -1).astype("timedelta64[D]")
    b_taken = local_to_utc(b_day, np.full(BACKUP_DAYS, 5400))
    b_exp = b_taken + np.timedelta64(BACKUP_KEEP_DAYS * 86400, "s")
    b_destroyed = b_exp + np.timedelta64(1200, "s")
    b_destroyed = np.where(b_destroyed <= end, b_destroyed, np.datetime64("NaT"))
    emit(
        "backups",
        backup_id=np.arange(1, BACKUP_DAYS + 1, dtype=np.int64),
        taken_at=b_taken,
        storage_subprocessor_id=np.full(BACKUP_DAYS, reg.BACKUP, dtype=np.int64),
        storage_country=np.full(BACKUP_DAYS, "SE", dtype=object),
        expires_at=b_exp,
        destroyed_at=b_destroyed,
    )

    # legal holds on active customers, placed and lifted in the past (no effect on RET)
    rng = rng_for(seed, "legal_holds")
    act = cid[kinds == "active"]
    n_h = min(len(act), _scaled(4, scale, 1))
    h_c = np.sort(rng.choice(act, n_h, replace=False))
    h_placed = dd - rng.integers(400, 700, n_h).astype("timedelta64[D]")
    emit(
        "legal_holds",
        hold_id=np.arange(1, n_h + 1, dtype=np.int64),
        customer_id=h_c,
        authority=rng.choice(
            np.array(["Ekobrottsmyndigheten", "Skatteverket", "Stockholms tingsrätt"]), n_h
        ).astype(object),
        reference=nm.join("Dnr ", rng.integers(1000, 9999, n_h), "-", rng.integers(10, 99, n_h)),
        placed_on=h_placed,
        lifted_on=h_placed + rng.integers(30, 200, n_h).astype("timedelta64[D]"),
    )

    _dsr_and_deletion_runs(
        emit, rng_for(seed, "dsr_requests"), dd, end, cid[off], ends[off], s_ids, scale
    )

    return BulkInfo(
        n_customers=n_c,
        service_customers=s_ids,
        customer_domain=dict(zip(cid.tolist(), domains.tolist(), strict=True)),
        contracts=contracts,
    )


def _deliveries(
    emit: Emit,
    r: np.random.Generator,
    m_id: np.ndarray,
    m_cidx: np.ndarray,
    m_created: np.ndarray,
    channel: np.ndarray,
    lam: float,
    n_rec_c: np.ndarray,
    r_start: np.ndarray,
) -> None:
    n_m = len(m_id)
    k = np.minimum(1 + r.poisson(lam, n_m), n_rec_c[m_cidx])
    total = int(k.sum())
    mrep = np.repeat(np.arange(n_m), k)
    j = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    offset = np.floor(r.random(n_m) * n_rec_c[m_cidx]).astype(np.int64)
    rec_id = r_start[m_cidx[mrep]] + 1 + (offset[mrep] + j) % n_rec_c[m_cidx[mrep]]
    order = np.lexsort((rec_id, mrep))  # primary-key order (message_id, recipient_id)
    mrep, rec_id = mrep[order], rec_id[order]
    status = r.choice(
        np.array(["delivered", "sent", "bounced", "failed", "queued"]),
        total,
        p=[0.9, 0.04, 0.03, 0.02, 0.01],
    )
    queued = status == "queued"
    d_at = m_created[mrep] + r.integers(5, 900, total).astype("timedelta64[s]")
    d_at = np.where(queued, np.datetime64("NaT"), d_at)
    ch = channel[mrep]
    sp = np.where(ch == "sms", reg.SMS, reg.EMAIL).astype(object)
    sp[(ch == "push") | queued] = None
    emit(
        "message_deliveries",
        message_id=m_id[mrep],
        recipient_id=rec_id,
        subprocessor_id=sp,
        status=status.astype(object),
        delivered_at=d_at,
    )


def _dsr_and_deletion_runs(
    emit: Emit,
    rng: np.random.Generator,
    dd: np.datetime64,
    end: np.datetime64,
    off_ids: np.ndarray,
    off_ends: np.ndarray,
    s_ids: np.ndarray,
    scale: float,
) -> None:
    """DSRs (answered within 20 days, no fee; a few open ones from the last 5 days) and deletion runs
    (offboarding on the due day, weekly sweeps, erasures for those DSRs). Sizes follow the customers."""
    due = add_months_np(off_ends, 1)
    n_off = len(off_ids)
    run_off_req = local_to_utc(due - np.timedelta64(1, "D"), np.full(n_off, 22 * 3600))
    run_off_done = local_to_utc(due, np.full(n_off, 3 * 3600 + 600))
    weeks = 52
    sw_day = dd - (7 * np.arange(weeks, 0, -1) - 1).astype("timedelta64[D]")
    sw_req = local_to_utc(sw_day, np.full(weeks, 4 * 3600))
    sw_failed = rng.random(weeks) < 0.05

    n_d = _scaled(300, scale, 12)
    open_ = np.zeros(n_d, dtype=bool)
    open_[: max(2, n_d // 20)] = True
    rng.shuffle(open_)
    dr_day = np.where(
        open_,
        dd - rng.integers(0, 6, n_d).astype("timedelta64[D]"),
        dd - rng.integers(40, 700, n_d).astype("timedelta64[D]"),
    )
    dr_at = local_to_utc(dr_day, rng.integers(6 * 3600, 22 * 3600, n_d))
    dr_at = np.minimum(dr_at, end - np.timedelta64(3600, "s"))
    dtype_ = DSR_TYPES[np.arange(n_d) % len(DSR_TYPES)]
    rng.shuffle(dtype_)
    ctrl = np.where(rng.random(n_d) < 0.6, "customer", "netdialog").astype(object)
    d_cust = np.where(ctrl == "customer", rng.choice(s_ids, n_d), -1)
    dfirst, dlast = nm.person_names(rng, n_d)
    d_id = np.arange(1, n_d + 1, dtype=np.int64)
    subj = nm.join(
        nm.ascii_lower(dfirst),
        "_",
        nm.ascii_lower(dlast),
        (100 + d_id),
        "@",
        rng.choice(nm.MAIL_DOMAINS, n_d),
    )
    # answered in office hours 1..20 days after receipt (always before due_1m)
    done = local_to_utc(
        dr_day + rng.integers(1, 21, n_d).astype("timedelta64[D]"), business_seconds(rng, n_d)
    )
    outcome = rng.choice(
        np.array(["fulfilled", "partially_fulfilled", "refused", "withdrawn"]),
        n_d,
        p=[0.75, 0.08, 0.07, 0.10],
    ).astype(object)
    ground = np.where(outcome == "refused", rng.choice(REFUSAL_GROUNDS, n_d), None)
    ext = (rng.random(n_d) < 0.05) & ~open_
    ext_at = dr_at + np.timedelta64(10 * 86400, "s")
    ext_on = dr_day + np.timedelta64(10, "D")
    done = np.where(ext, ext_at + np.timedelta64(3 * 86400, "s"), done)
    verified = dr_at + ((done - dr_at) // 2).astype("timedelta64[s]")
    emit(
        "dsr_requests",
        request_id=d_id,
        controller=ctrl,
        customer_id=np.where(d_cust >= 0, d_cust, None).astype(object),
        subject_email=subj,
        subject_user_id=None,
        request_type=dtype_.astype(object),
        channel=rng.choice(DSR_CHANNELS, n_d).astype(object),
        received_at=dr_at,
        identity_verified_at=np.where(open_, np.datetime64("NaT"), verified),
        extended_on=np.where(ext, ext_on, np.datetime64("NaT")),
        extension_notified_at=np.where(ext, ext_at, np.datetime64("NaT")),
        extension_reason=np.where(
            ext, "Begäran omfattar många system; vi behöver mer tid.", None
        ).astype(object),
        completed_at=np.where(open_, np.datetime64("NaT"), done),
        outcome=np.where(open_, None, outcome).astype(object),
        refusal_ground=np.where(open_, None, ground).astype(object),
        fee_sek=np.zeros(n_d, dtype=np.int32),
    )
    er = (dtype_ == "erasure") & (outcome == "fulfilled") & ~open_
    n_er = int(er.sum())

    run_scope = np.concatenate(
        [
            np.full(n_off, "customer_offboarding"),
            np.full(weeks, "retention_sweep"),
            np.full(n_er, "subject_erasure"),
        ]
    ).astype(object)
    run_cust = np.concatenate([off_ids, np.full(weeks + n_er, -1)])
    run_subj = np.concatenate([np.full(n_off + weeks, None, dtype=object), subj[er]])
    run_req = np.concatenate([run_off_req, sw_req, done[er] - np.timedelta64(7200, "s")])
    run_done = np.concatenate(
        [
            run_off_done,
            np.where(sw_failed, np.datetime64("NaT"), sw_req + np.timedelta64(300, "s")),
            done[er] - np.timedelta64(3600, "s"),
        ]
    )
    run_status = np.concatenate(
        [
            np.full(n_off, "completed"),
            np.where(sw_failed, "failed", "completed"),
            np.full(n_er, "completed"),
        ]
    ).astype(object)
    run_rows = np.where(np.isnat(run_done), -1, rng.integers(0, 50_000, len(run_done)))
    order = np.argsort(run_req, kind="stable")
    emit(
        "deletion_runs",
        run_id=np.arange(1, len(run_req) + 1, dtype=np.int64),
        scope=run_scope[order],
        customer_id=np.where(run_cust >= 0, run_cust, None).astype(object)[order],
        subject_email=run_subj[order],
        requested_at=run_req[order],
        completed_at=run_done[order],
        status=run_status[order],
        rows_deleted=np.where(run_rows >= 0, run_rows, None).astype(object)[order],
    )


def generate_invoices(
    emit: Emit,
    d: date,
    contracts: pd.DataFrame,
    domains: dict[int, str],
    gap: tuple[int, tuple[int, ...]],
    skip_customers: set[int],
) -> None:
    """Monthly invoices of every contract (bulk and planted), fiscal years >= d.year - 6, month by month.

    Numbered per fiscal year in issue order, gap-free except the planted ``gap``
    (year, numbers) — those rows are dropped after numbering (RET-06).
    """
    con = contracts[~contracts["customer_id"].isin(skip_customers)]
    dd = np_day(d)
    sign = con["signed_on"].to_numpy().astype("datetime64[D]")
    endc = con["ends_on"].to_numpy().astype("datetime64[D]")
    cust_all = con["customer_id"].to_numpy().astype(np.int64)
    plan_all = con["plan"].to_numpy()
    amount_all = np.select(
        [plan_all == "basic", plan_all == "pro"],
        [PLAN_PRICE["basic"], PLAN_PRICE["pro"]],
        PLAN_PRICE["enterprise"],
    )
    last = np.where(np.isnat(endc), dd, np.minimum(endc, dd))
    first_month = np.maximum(sign.astype("datetime64[M]"), np.datetime64(f"{d.year - 6}-01", "M"))
    last_month = last.astype("datetime64[M]")
    uniq = np.unique(cust_all)
    dom_of = dict(domains)
    next_id, year_of_count, count = 1, None, 0
    for month in np.arange(first_month.min(), dd.astype("datetime64[M]") + 1):
        live = (first_month <= month) & (month <= last_month)
        issued = np.maximum(month.astype("datetime64[D]"), sign[live])
        keep = issued <= last[live]
        cust, issued, amount = cust_all[live][keep], issued[keep], amount_all[live][keep]
        order = np.lexsort((cust, issued))
        cust, issued, amount = cust[order], issued[order], amount[order]
        n = len(cust)
        year = int(str(month)[:4])
        if year != year_of_count:
            year_of_count, count = year, 0
        number = count + 1 + np.arange(n)
        count += n
        inv_id = np.arange(next_id, next_id + n, dtype=np.int64)
        next_id += n
        sel = ~((year == gap[0]) & np.isin(number, np.array(gap[1], dtype=np.int64)))
        if not n or not sel.any():
            continue
        dom = np.array([dom_of[c] for c in cust[sel].tolist()], dtype=object)
        emit(
            "invoices",
            invoice_id=inv_id[sel],
            customer_id=cust[sel],
            invoice_number=nm.join(
                np.full(int(sel.sum()), year),
                "-",
                np.char.zfill(number[sel].astype(str), 6).astype(object),
            ),
            fiscal_year=np.full(int(sel.sum()), year, dtype=np.int32),
            issued_on=issued[sel],
            amount_sek=amount[sel].astype(np.int32),
            billing_email=nm.join("faktura@", dom),
        )
    del uniq
