"""The clean bulk of the demo export: realistic volumes that raise no finding at ``as_of``.

Everything here is vectorised (NumPy/pandas/Arrow); sizes scale with ``scale``.
Scale 1 is about 1,000 customers, 20,000 users, 200,000 recipients, 100,000
messages, 2,000,000 deliveries and 1,000,000 login events.

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
from dataclasses import dataclass
from datetime import date

import numpy as np

from auditlib.demo import names as nm
from auditlib.demo import register as reg
from auditlib.demo.clock import add_months_np, business_seconds, local_to_utc, np_day
from auditlib.demo.frame import Tables

PLANS = np.array(["basic", "pro", "enterprise"])
PLAN_PRICE = {"basic": 612, "pro": 1862, "enterprise": 6237}  # SEK per month incl. VAT
BACKUP_DAYS = 730
BACKUP_KEEP_DAYS = 35
EMAIL_SUBJECTS = np.array(
    ["Välkommen till vårens aktiviteter", "Påminnelse: möte på torsdag", "Nyhetsbrev", "Viktig information",
     "Inbjudan till årsmöte", "Ändrade öppettider", "Tack för i år!", "Schemaändring vecka 12"]
)
BODIES = np.array(
    ["Hej! Här kommer veckans information. Vänliga hälsningar",
     "Påminnelse om din bokade tid. Svara STOPP för att avregistrera dig.",
     "Välkommen på årsmöte i föreningens lokal. Dagordning bifogas.",
     "Vi har ändrade öppettider under helgerna. Se vår webbplats.",
     "Tack för att du är kund hos oss!"]
)
TICKET_SUBJECTS = np.array(
    ["Kan inte logga in", "Fråga om faktura", "SMS kommer inte fram", "Hur importerar jag mottagare?",
     "Byta abonnemang", "Felmeddelande vid utskick", "Radera mitt konto", "Fråga om personuppgifter"]
)
CONSENT_CATEGORIES = np.array(
    ["necessary", "necessary,analytics", "necessary,analytics,marketing", "necessary,marketing"]
)
DSR_TYPES = np.array(
    ["access", "rectification", "erasure", "restriction", "portability", "objection", "withdraw_consent",
     "automated_decision"]
)
DSR_CHANNELS = np.array(["email", "chat", "web_form", "letter"])
REFUSAL_GROUNDS = np.array(["manifestly_unfounded", "excessive", "identity_not_verified", "legal_obligation"])


@dataclass
class BulkInfo:
    """What planted cases and invoices need to know about the bulk."""

    n_customers: int
    service_customers: np.ndarray  # ids of customers that hold Service data
    customer_domain: dict[int, str]


def _hex(rng: np.random.Generator, n: int, nbytes: int) -> np.ndarray:
    raw = binascii.hexlify(rng.bytes(n * nbytes))
    return np.frombuffer(raw, dtype=f"S{2 * nbytes}")


def _uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A random day in [lo, hi] (datetime64[D] arrays)."""
    span = (hi - lo).astype(np.int64) + 1
    return lo + np.floor(rng.random(len(lo)) * span).astype(np.int64).astype("timedelta64[D]")


def _scaled(n: float, scale: float, minimum: int) -> int:
    return max(minimum, round(n * scale))


def generate_bulk(t: Tables, rng: np.random.Generator, d: date, scale: float) -> BulkInfo:
    dd = np_day(d)
    # the manifest's exported_at (clock.end_of_day): no bulk instant lies after it
    end = local_to_utc(np.array([dd]), np.array([23 * 3600 + 59 * 60 + 59]))[0]

    # -- customers and contracts -------------------------------------------------------
    n_c = _scaled(1000, scale, 8)
    cid = np.arange(1, n_c + 1, dtype=np.int64)
    kinds = rng.choice(np.array(["active", "recent_end", "ending", "offboarded"]), n_c, p=[0.78, 0.04, 0.06, 0.12])
    kinds[:4] = ["active", "recent_end", "ending", "offboarded"]
    window_start = dd - np.timedelta64(6 * 365, "D")
    ends = np.full(n_c, np.datetime64("NaT"), dtype="datetime64[D]")
    created_day = dd - rng.integers(60, 6 * 365, n_c).astype("timedelta64[D]")
    off = kinds == "offboarded"
    ends[off] = dd - rng.integers(300, 5 * 365, off.sum()).astype("timedelta64[D]")
    created_day[off] = _uniform_days(rng, np.full(off.sum(), window_start), ends[off] - np.timedelta64(180, "D"))
    rec = kinds == "recent_end"
    ends[rec] = dd - rng.integers(1, 28, rec.sum()).astype("timedelta64[D]")
    ending = kinds == "ending"
    ends[ending] = dd + rng.integers(0, 90, ending.sum()).astype("timedelta64[D]")
    created_at = local_to_utc(created_day, business_seconds(rng, n_c))
    cnames, stems = nm.company_names(rng, n_c)
    domains = nm.company_domains(stems, cid)
    t.add("customers", customer_id=cid, org_number=nm.org_numbers(rng, n_c), name=cnames,
          country=np.full(n_c, "SE", dtype=object), created_at=created_at)

    last_day = np.where(np.isnat(ends), dd, np.minimum(ends, dd))
    span = (last_day - created_day).astype(np.int64)
    two = (rng.random(n_c) < 0.4) & (span > 120)
    split = created_day + (30 + np.floor(rng.random(n_c) * np.maximum(span - 60, 1))).astype("timedelta64[D]")
    plan1 = rng.choice(PLANS, n_c, p=[0.5, 0.35, 0.15])
    plan2 = rng.choice(PLANS, n_c, p=[0.3, 0.45, 0.25])
    # first contract: ends at the split (plan change) or at the customer's end
    c1_end = np.where(two, split, ends)
    c2_sign = split + np.timedelta64(1, "D")
    con_cust = np.concatenate([cid, cid[two]])
    con_plan = np.concatenate([plan1, plan2[two]])
    con_sign = np.concatenate([created_day, c2_sign[two]])
    con_end = np.concatenate([c1_end, ends[two]])
    notice_day = np.maximum(con_sign, np.minimum(con_end - rng.integers(30, 90, len(con_end)).astype("timedelta64[D]"), dd - np.timedelta64(1, "D")))
    has_end = ~np.isnat(con_end)
    notice_day = np.where(has_end, notice_day, np.datetime64("NaT"))
    term = local_to_utc(np.where(has_end, notice_day, dd), business_seconds(rng, len(con_end)))
    term = np.where(has_end, term, np.datetime64("NaT"))
    order = np.lexsort((con_sign, con_cust))
    n_con = len(con_cust)
    t.add("contracts", contract_id=np.arange(1, n_con + 1, dtype=np.int64), customer_id=con_cust[order],
          plan=con_plan[order].astype(object), signed_on=con_sign[order], ends_on=con_end[order],
          terminated_at=term[order])

    # -- Service data: only customers that still hold it ----------------------------------
    svc = ~off
    s_ids = cid[svc]
    s_created = created_day[svc]
    s_hi = np.where(np.isnat(ends[svc]), dd, np.minimum(ends[svc], dd))  # last day of activity
    weight = rng.lognormal(0, 1.0, len(s_ids))
    weight /= weight.sum()

    def per_customer(total: int) -> np.ndarray:
        return 1 + rng.multinomial(max(total - len(s_ids), 0), weight)

    # users
    n_users_c = per_customer(_scaled(20_000, scale, 20))
    n_u = int(n_users_c.sum())
    u_start = np.concatenate([[0], np.cumsum(n_users_c)[:-1]])
    u_cidx = np.repeat(np.arange(len(s_ids)), n_users_c)
    u_id = np.arange(1, n_u + 1, dtype=np.int64)
    first_of_c = np.zeros(n_u, dtype=bool)
    first_of_c[u_start] = True
    u_day = np.where(first_of_c, s_created[u_cidx], _uniform_days(rng, s_created[u_cidx], s_hi[u_cidx]))
    u_created = local_to_utc(u_day, business_seconds(rng, n_u))
    u_created[first_of_c] = created_at[svc][u_cidx[first_of_c]]
    room = (s_hi[u_cidx] - u_day).astype(np.int64)
    deact = (rng.random(n_u) < 0.08) & (room >= 2) & ~first_of_c
    deact_day = u_day + (1 + np.floor(rng.random(n_u) * np.maximum(room - 1, 1))).astype("timedelta64[D]")
    u_deact = np.where(deact, local_to_utc(deact_day, business_seconds(rng, n_u)), np.datetime64("NaT"))
    first, last = nm.person_names(rng, n_u)
    u_dom = domains[svc][u_cidx]
    # the id keeps addresses unique when two people at one company share a name
    u_email = nm.emails(first, last, u_id, u_dom)
    has_img = rng.random(n_u) < 0.3
    img = np.where(has_img, nm.join("https://cdn.one2many.se/avatars/", u_id, ".jpg"), None)
    is_admin = first_of_c | (rng.random(n_u) < 0.1)

    # login events: last 300 days, inside the user's active life
    n_l = _scaled(1_000_000, scale, 200)
    lo_bound = local_to_utc(np.array([dd - np.timedelta64(300, "D")]), np.array([0]))[0]
    cust_end = local_to_utc(s_hi, np.full(len(s_hi), 23 * 3600))  # 23:00 on the last active day
    lo = np.maximum(u_created, lo_bound)
    hi = np.minimum(np.where(np.isnat(u_deact), end, u_deact), cust_end[u_cidx])
    hi = np.minimum(hi, end)
    ok = hi > lo + np.timedelta64(3600, "s")
    lw = rng.random(n_u) * ok
    lw = lw / lw.sum()
    n_ev_u = rng.multinomial(n_l, lw)
    ev_u = np.repeat(np.arange(n_u), n_ev_u)
    span_us = (hi[ev_u] - lo[ev_u]).astype(np.int64)
    occ = lo[ev_u] + (np.floor(rng.random(len(ev_u)) * span_us).astype(np.int64) // 1_000_000 * 1_000_000).astype("timedelta64[us]")
    occ = np.maximum(occ, lo[ev_u])
    order = np.argsort(occ, kind="stable")
    occ, ev_u = occ[order], ev_u[order]
    n_ev = len(occ)
    success = rng.random(n_ev) < 0.95
    v6 = rng.random(n_ev) < 0.15
    ips = np.where(v6, nm.ipv6(rng, n_ev), nm.ipv4(rng, n_ev))
    t.add("login_events", event_id=np.arange(1, n_ev + 1, dtype=np.int64), user_id=u_id[ev_u],
          customer_id=s_ids[u_cidx[ev_u]], occurred_at=occ, ip_address=ips,
          user_agent=rng.choice(nm.USER_AGENTS, n_ev).astype(object), success=success)
    last_login = np.full(n_u, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_login, ev_u[success], occ[success].astype(np.int64))
    last_login_at = np.where(last_login == np.iinfo(np.int64).min, np.datetime64("NaT"),
                             last_login.astype("datetime64[us]"))
    t.add("users", user_id=u_id, customer_id=s_ids[u_cidx], full_name=nm.join(first, " ", last), email=u_email,
          password_hash=nm.join("$argon2id$v=19$m=65536,t=3,p=4$", _hex(rng, n_u, 8), "$", _hex(rng, n_u, 16)),
          profile_image_url=img, is_admin=is_admin, created_at=u_created, last_login_at=last_login_at,
          deactivated_at=u_deact)

    # recipients
    n_rec_c = per_customer(_scaled(200_000, scale, 200))
    n_r = int(n_rec_c.sum())
    r_start = np.concatenate([[0], np.cumsum(n_rec_c)[:-1]])
    r_cidx = np.repeat(np.arange(len(s_ids)), n_rec_c)
    r_id = np.arange(1, n_r + 1, dtype=np.int64)
    r_day = _uniform_days(rng, s_created[r_cidx], s_hi[r_cidx])
    rf, rl = nm.person_names(rng, n_r)
    has_mail = rng.random(n_r) < 0.7
    has_phone = ~has_mail | (rng.random(n_r) < 0.6)
    t.add("recipients", recipient_id=r_id, customer_id=s_ids[r_cidx],
          full_name=np.where(rng.random(n_r) < 0.9, nm.join(rf, " ", rl), None),
          email=np.where(has_mail, nm.emails(rf, rl, r_id, rng.choice(nm.MAIL_DOMAINS, n_r)), None),
          phone=np.where(has_phone, nm.mobile_numbers(rng, n_r), None),
          created_at=local_to_utc(r_day, business_seconds(rng, n_r)))

    # messages: the last 365 days of each customer's active life
    n_msg_c = per_customer(_scaled(100_000, scale, 100))
    n_m = int(n_msg_c.sum())
    m_cidx = np.repeat(np.arange(len(s_ids)), n_msg_c)
    m_lo = np.maximum(s_created, dd - np.timedelta64(365, "D"))[m_cidx]
    m_day = _uniform_days(rng, m_lo, s_hi[m_cidx])
    m_created = local_to_utc(m_day, business_seconds(rng, n_m))
    order = np.argsort(m_created, kind="stable")
    m_cidx, m_created = m_cidx[order], m_created[order]
    m_id = np.arange(1, n_m + 1, dtype=np.int64)
    channel = rng.choice(np.array(["email", "sms", "push"]), n_m, p=[0.6, 0.35, 0.05])
    sender = u_id[u_start[m_cidx] + np.floor(rng.random(n_m) * n_users_c[m_cidx]).astype(np.int64)]
    t.add("messages", message_id=m_id, customer_id=s_ids[m_cidx], sender_user_id=sender,
          channel=channel.astype(object),
          subject=np.where(channel == "email", rng.choice(EMAIL_SUBJECTS, n_m).astype(object), None),
          body=rng.choice(BODIES, n_m).astype(object), created_at=m_created)

    # deliveries: a window of the customer's recipients per message (unique pairs)
    target = _scaled(2_000_000, scale, 1000)
    lam = max(target / n_m - 1, 0.5)
    k = np.minimum(1 + rng.poisson(lam, n_m), n_rec_c[m_cidx])
    total = int(k.sum())
    mrep = np.repeat(np.arange(n_m), k)
    j = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    offset = np.floor(rng.random(n_m) * n_rec_c[m_cidx]).astype(np.int64)
    rec_idx = r_start[m_cidx[mrep]] + (offset[mrep] + j) % n_rec_c[m_cidx[mrep]]
    status = rng.choice(np.array(["delivered", "sent", "bounced", "failed", "queued"]), total,
                        p=[0.9, 0.04, 0.03, 0.02, 0.01])
    queued = status == "queued"
    d_at = m_created[mrep] + rng.integers(5, 900, total).astype("timedelta64[s]")
    d_at = np.where(queued, np.datetime64("NaT"), d_at)
    ch = channel[mrep]
    sp = np.where(ch == "sms", reg.SMS, reg.EMAIL).astype(object)
    sp[(ch == "push") | queued] = None
    t.add("message_deliveries", message_id=m_id[mrep], recipient_id=r_id[rec_idx], subprocessor_id=sp,
          status=status.astype(object), delivered_at=d_at)

    # -- Netdialog's own records --------------------------------------------------------------
    # orders: one per customer before it became one, plus prospects that never did
    n_p = _scaled(300, scale, 5)
    o_cust = np.concatenate([cid, np.full(n_p, -1)])
    o_n = len(o_cust)
    of, ol = nm.person_names(rng, o_n)
    p_names, p_stems = nm.company_names(rng, n_p)
    o_company = np.concatenate([cnames, p_names])
    o_dom = np.concatenate([domains, nm.company_domains(p_stems, np.arange(n_c + 1, n_c + n_p + 1))])
    o_day = np.concatenate([created_day - rng.integers(1, 10, n_c).astype("timedelta64[D]"),
                            dd - rng.integers(0, 730, n_p).astype("timedelta64[D]")])
    o_at = local_to_utc(o_day, business_seconds(rng, o_n))
    order = np.argsort(o_at, kind="stable")
    t.add("orders", order_id=np.arange(1, o_n + 1, dtype=np.int64),
          customer_id=np.where(o_cust >= 0, o_cust, None).astype(object)[order],
          contact_name=nm.join(of, " ", ol)[order], contact_email=nm.join(nm.ascii_lower(of), "@", o_dom)[order],
          contact_phone=np.where(rng.random(o_n) < 0.8, nm.mobile_numbers(rng, o_n), None)[order],
          company_name=o_company[order], ordered_at=o_at[order])

    # support tickets: opened within 600 days, closed within 10 days (or still open)
    n_t = _scaled(5000, scale, 20)
    t_cust = np.where(rng.random(n_t) < 0.75, rng.choice(s_ids, n_t), -1)
    t_day = dd - rng.integers(0, 600, n_t).astype("timedelta64[D]")
    t_open = local_to_utc(t_day, business_seconds(rng, n_t))
    t_close = t_open + rng.integers(600, 10 * 86400, n_t).astype("timedelta64[s]")
    t_close = np.where((t_close > end) | (rng.random(n_t) < 0.03), np.datetime64("NaT"), t_close)
    order = np.argsort(t_open, kind="stable")
    tf, tl = nm.person_names(rng, n_t)
    t_id = np.arange(1, n_t + 1, dtype=np.int64)
    t.add("support_tickets", ticket_id=t_id, customer_id=np.where(t_cust >= 0, t_cust, None).astype(object)[order],
          contact_name=nm.join(tf, " ", tl), contact_email=nm.join(nm.ascii_lower(tf), ".t", t_id, "@", rng.choice(nm.MAIL_DOMAINS, n_t)),
          channel=rng.choice(np.array(["chat", "email"]), n_t).astype(object),
          subject=rng.choice(TICKET_SUBJECTS, n_t).astype(object), opened_at=t_open[order], closed_at=t_close[order])

    # cookie consents: within 360 days
    n_cc = _scaled(50_000, scale, 50)
    cc_day = dd - rng.integers(0, 360, n_cc).astype("timedelta64[D]")
    cc_at = np.sort(local_to_utc(cc_day, rng.integers(0, 86400, n_cc)))
    cc_at = np.minimum(cc_at, end)
    wd = rng.random(n_cc) < 0.05
    cc_wd = cc_at + (rng.random(n_cc) * (end - cc_at).astype(np.int64) // 1_000_000 * 1_000_000).astype(np.int64).astype("timedelta64[us]")
    t.add("cookie_consents", consent_id=np.arange(1, n_cc + 1, dtype=np.int64), visitor_id=_hex(rng, n_cc, 16),
          ip_address=np.where(rng.random(n_cc) < 0.9, nm.ipv4(rng, n_cc), None),
          consented_at=cc_at, categories=rng.choice(CONSENT_CATEGORIES, n_cc).astype(object),
          withdrawn_at=np.where(wd, cc_wd, np.datetime64("NaT")))

    # data transfers to engaged EU/EEA subprocessors with a DPA, last 365 days
    n_x = _scaled(20_000, scale, 50)
    targets = np.array([reg.BACKUP, reg.SMS, reg.EMAIL, reg.CHAT, reg.ATLANTIC])
    dest = np.array(["SE", "SE", "DE", "FI", "IE"], dtype=object)
    cats = np.array(["message_content", "contact_details", "message_content", "support", "contact_details"], dtype=object)
    pick = rng.integers(0, len(targets), n_x)
    x_day = dd - rng.integers(0, 365, n_x).astype("timedelta64[D]")
    x_at = np.sort(local_to_utc(x_day, rng.integers(3 * 3600, 23 * 3600, n_x)))
    t.add("data_transfers", transfer_id=np.arange(1, n_x + 1, dtype=np.int64), subprocessor_id=targets[pick],
          customer_id=np.where(targets[pick] == reg.CHAT, None, rng.choice(s_ids, n_x)).astype(object),
          occurred_at=x_at, destination_country=dest[pick], data_category=cats[pick],
          record_count=rng.integers(1, 5000, n_x).astype(np.int32))

    # backups: daily at 01:30 Stockholm, 35 days, destroyed 20 minutes after expiry
    b_day = dd - np.arange(BACKUP_DAYS - 1, -1, -1).astype("timedelta64[D]")
    b_taken = local_to_utc(b_day, np.full(BACKUP_DAYS, 5400))
    b_exp = b_taken + np.timedelta64(BACKUP_KEEP_DAYS * 86400, "s")
    b_destroyed = b_exp + np.timedelta64(1200, "s")
    b_destroyed = np.where(b_destroyed <= end, b_destroyed, np.datetime64("NaT"))
    t.add("backups", backup_id=np.arange(1, BACKUP_DAYS + 1, dtype=np.int64), taken_at=b_taken,
          storage_subprocessor_id=np.full(BACKUP_DAYS, reg.BACKUP, dtype=np.int64),
          storage_country=np.full(BACKUP_DAYS, "SE", dtype=object), expires_at=b_exp, destroyed_at=b_destroyed)

    # legal holds on active customers, placed and lifted in the past (no effect on RET)
    act = cid[kinds == "active"]
    n_h = min(len(act), _scaled(4, scale, 1))
    h_c = rng.choice(act, n_h, replace=False)
    h_placed = dd - rng.integers(400, 700, n_h).astype("timedelta64[D]")
    t.add("legal_holds", hold_id=np.arange(1, n_h + 1, dtype=np.int64), customer_id=h_c,
          authority=rng.choice(np.array(["Ekobrottsmyndigheten", "Skatteverket", "Stockholms tingsrätt"]), n_h).astype(object),
          reference=nm.join("Dnr ", rng.integers(1000, 9999, n_h), "-", rng.integers(10, 99, n_h)),
          placed_on=h_placed, lifted_on=h_placed + rng.integers(30, 200, n_h).astype("timedelta64[D]"))

    # deletion runs: offboarding on the due day, weekly sweeps, erasures for the DSRs below
    off_ids = cid[off]
    due = add_months_np(ends[off], 1)
    n_off = len(off_ids)
    run_off_req = local_to_utc(due - np.timedelta64(1, "D"), np.full(n_off, 22 * 3600))
    run_off_done = local_to_utc(due, np.full(n_off, 3 * 3600 + 600))
    weeks = 52
    sw_day = dd - (7 * np.arange(weeks, 0, -1) - 1).astype("timedelta64[D]")
    sw_req = local_to_utc(sw_day, np.full(weeks, 4 * 3600))
    sw_failed = rng.random(weeks) < 0.05

    # DSRs: answered within 20 days, no fee; a few open ones from the last 5 days
    n_d = _scaled(300, scale, 12)
    open_ = np.zeros(n_d, dtype=bool)
    open_[: max(2, n_d // 20)] = True
    rng.shuffle(open_)
    dr_day = np.where(open_, dd - rng.integers(0, 6, n_d).astype("timedelta64[D]"),
                      dd - rng.integers(40, 700, n_d).astype("timedelta64[D]"))
    dr_at = local_to_utc(dr_day, rng.integers(6 * 3600, 22 * 3600, n_d))
    dr_at = np.minimum(dr_at, end - np.timedelta64(3600, "s"))
    dtype_ = DSR_TYPES[np.arange(n_d) % len(DSR_TYPES)]
    rng.shuffle(dtype_)
    ctrl = np.where(rng.random(n_d) < 0.6, "customer", "netdialog").astype(object)
    d_cust = np.where(ctrl == "customer", rng.choice(s_ids, n_d), -1)
    dfirst, dlast = nm.person_names(rng, n_d)
    d_id = np.arange(1, n_d + 1, dtype=np.int64)
    subj = nm.join(nm.ascii_lower(dfirst), "_", nm.ascii_lower(dlast), (100 + d_id), "@",
                   rng.choice(nm.MAIL_DOMAINS, n_d))
    # answered in office hours 1..20 days after receipt (always before due_1m)
    done = local_to_utc(dr_day + rng.integers(1, 21, n_d).astype("timedelta64[D]"), business_seconds(rng, n_d))
    outcome = rng.choice(np.array(["fulfilled", "partially_fulfilled", "refused", "withdrawn"]), n_d,
                         p=[0.75, 0.08, 0.07, 0.10]).astype(object)
    ground = np.where(outcome == "refused", rng.choice(REFUSAL_GROUNDS, n_d), None)
    ext = (rng.random(n_d) < 0.05) & ~open_
    ext_at = dr_at + np.timedelta64(10 * 86400, "s")
    ext_on = dr_day + np.timedelta64(10, "D")
    done = np.where(ext, ext_at + np.timedelta64(3 * 86400, "s"), done)
    verified = dr_at + ((done - dr_at) // 2).astype("timedelta64[s]")
    t.add("dsr_requests", request_id=d_id, controller=ctrl,
          customer_id=np.where(d_cust >= 0, d_cust, None).astype(object), subject_email=subj,
          subject_user_id=None, request_type=dtype_.astype(object),
          channel=rng.choice(DSR_CHANNELS, n_d).astype(object), received_at=dr_at,
          identity_verified_at=np.where(open_, np.datetime64("NaT"), verified),
          extended_on=np.where(ext, ext_on, np.datetime64("NaT")),
          extension_notified_at=np.where(ext, ext_at, np.datetime64("NaT")),
          extension_reason=np.where(ext, "Begäran omfattar många system; vi behöver mer tid.", None).astype(object),
          completed_at=np.where(open_, np.datetime64("NaT"), done),
          outcome=np.where(open_, None, outcome).astype(object), refusal_ground=np.where(open_, None, ground).astype(object),
          fee_sek=np.zeros(n_d, dtype=np.int32))
    er = (dtype_ == "erasure") & (outcome == "fulfilled") & ~open_
    n_er = int(er.sum())

    run_scope = np.concatenate([np.full(n_off, "customer_offboarding"), np.full(weeks, "retention_sweep"),
                                np.full(n_er, "subject_erasure")]).astype(object)
    run_cust = np.concatenate([off_ids, np.full(weeks + n_er, -1)])
    run_subj = np.concatenate([np.full(n_off + weeks, None, dtype=object), subj[er]])
    run_req = np.concatenate([run_off_req, sw_req, done[er] - np.timedelta64(7200, "s")])
    run_done = np.concatenate([run_off_done, np.where(sw_failed, np.datetime64("NaT"), sw_req + np.timedelta64(300, "s")),
                               done[er] - np.timedelta64(3600, "s")])
    run_status = np.concatenate([np.full(n_off, "completed"), np.where(sw_failed, "failed", "completed"),
                                 np.full(n_er, "completed")]).astype(object)
    run_rows = np.where(np.isnat(run_done), -1, rng.integers(0, 50_000, len(run_done)))
    order = np.argsort(run_req, kind="stable")
    t.add("deletion_runs", run_id=np.arange(1, len(run_req) + 1, dtype=np.int64), scope=run_scope[order],
          customer_id=np.where(run_cust >= 0, run_cust, None).astype(object)[order], subject_email=run_subj[order],
          requested_at=run_req[order], completed_at=run_done[order], status=run_status[order],
          rows_deleted=np.where(run_rows >= 0, run_rows, None).astype(object)[order])

    return BulkInfo(n_customers=n_c, service_customers=s_ids,
                    customer_domain=dict(zip(cid.tolist(), domains.tolist(), strict=True)))


def generate_invoices(t: Tables, d: date, domains: dict[int, str], gap: tuple[int, tuple[int, ...]],
                      skip_customers: set[int]) -> None:
    """Monthly invoices of every contract (bulk and planted), fiscal years >= d.year - 6.

    Numbered per fiscal year in issue order, gap-free except the planted ``gap``
    (year, numbers) — those rows are dropped after numbering (RET-06).
    """
    con = t.current("contracts").to_pandas()
    con = con[~con["customer_id"].isin(skip_customers)]
    dd = np_day(d)
    sign = con["signed_on"].to_numpy().astype("datetime64[D]")
    endc = con["ends_on"].to_numpy().astype("datetime64[D]")
    last = np.where(np.isnat(endc), dd, np.minimum(endc, dd))
    first_month = np.maximum(sign.astype("datetime64[M]"), np.datetime64(f"{d.year - 6}-01", "M"))
    n_months = (last.astype("datetime64[M]") - first_month).astype(np.int64) + 1
    n_months = np.maximum(n_months, 0)
    rep = np.repeat(np.arange(len(con)), n_months)
    j = np.arange(int(n_months.sum())) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    month = first_month[rep] + j.astype("timedelta64[M]")
    issued = np.maximum(month.astype("datetime64[D]"), sign[rep])
    keep = issued <= last[rep]
    rep, issued = rep[keep], issued[keep]
    cust = con["customer_id"].to_numpy()[rep]
    plan = con["plan"].to_numpy()[rep]
    amount = np.select([plan == "basic", plan == "pro"], [PLAN_PRICE["basic"], PLAN_PRICE["pro"]], PLAN_PRICE["enterprise"])
    year = issued.astype("datetime64[Y]").astype(np.int64) + 1970
    order = np.lexsort((cust, issued))
    cust, issued, amount, year = cust[order], issued[order], amount[order], year[order]
    # number within the year
    ystart = np.r_[True, year[1:] != year[:-1]]
    idx = np.arange(len(year))
    first_idx = np.maximum.accumulate(np.where(ystart, idx, 0))
    number = idx - first_idx + 1
    inv_no = nm.join(year, "-", np.char.zfill(number.astype(str), 6).astype(object))
    drop = (year == gap[0]) & np.isin(number, np.array(gap[1]))
    dom = np.array([domains[c] for c in np.unique(cust)], dtype=object)[np.unique(cust, return_inverse=True)[1]]
    sel = ~drop
    t.add("invoices", invoice_id=np.arange(1, len(cust) + 1, dtype=np.int64)[sel], customer_id=cust[sel],
          invoice_number=inv_no[sel], fiscal_year=year[sel].astype(np.int32), issued_on=issued[sel],
          amount_sek=amount[sel].astype(np.int32), billing_email=nm.join("faktura@", dom)[sel])

