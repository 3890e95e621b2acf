"""The subprocessor register of the demo: fixed rows, some clean, some planted.

Ids are fixed (the same at every scale and seed). Dates that must stay valid
for any ``as_of`` are relative to it; the two that test the spec's fixed cut-off
(``notice_required_since`` = 2018-05-25) are absolute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from auditlib.dates import add_months

HOSTING, BACKUP, SMS, EMAIL, CHAT = 1, 2, 3, 4, 5
FJORD, HELLAS, ALPINE, ATLANTIC, QUICKSIGN, FORMBYRAN, PLING = 6, 7, 8, 9, 10, 11, 12
OLD_SMS, SNABB_SMS, OVERSEAS_VAULT, CLOUDMETRICS, STATUSPAGE, KUNDENKAT, PRINT = (
    13,
    14,
    15,
    16,
    17,
    18,
    19,
)
UNREGISTERED = 99  # appears in data_transfers only


@dataclass
class Sub:
    subprocessor_id: int
    name: str
    service: str
    legal_country: str
    processes_personal_data: bool
    dpa_signed_on: date | None
    engaged_on: date
    disengaged_on: date | None
    customers_notified_on: date | None
    locations: list[tuple[str, str]] = field(default_factory=list)  # (country, kind)


def register(d: date) -> list[Sub]:
    """All subprocessors, relative to ``as_of`` = d."""
    y = lambda n: add_months(d, -12 * n)  # noqa: E731  (n years before d)
    days = lambda n: d - timedelta(days=n)  # noqa: E731
    return [
        # clean ones; HOSTING was engaged before notice_required_since with no notice (near miss SUB-04)
        Sub(
            HOSTING,
            "Stockholm Moln AB",
            "hosting",
            "SE",
            True,
            date(2016, 3, 1),
            date(2016, 3, 1),
            None,
            None,
            [("SE", "storage"), ("SE", "processing")],
        ),
        Sub(
            BACKUP,
            "Nordic Backup AB",
            "backup_storage",
            "SE",
            True,
            date(2017, 9, 1),
            date(2017, 9, 1),
            None,
            date(2017, 7, 20),
            [("SE", "storage"), ("FI", "storage"), ("NO", "storage")],
        ),
        Sub(
            SMS,
            "Norden SMS AB",
            "sms_gateway",
            "SE",
            True,
            y(4),
            y(4),
            None,
            y(4) - timedelta(days=45),
            [("SE", "processing")],
        ),
        Sub(
            EMAIL,
            "Mailflow Europe GmbH",
            "email_delivery",
            "DE",
            True,
            y(6) - timedelta(days=20),
            y(6),
            None,
            y(6) - timedelta(days=60),
            [("DE", "processing"), ("IE", "storage")],
        ),
        # notified exactly subprocessor_notice_days before engagement (near miss SUB-04)
        Sub(
            CHAT,
            "ChatDesk Oy",
            "support_chat",
            "FI",
            True,
            y(5) - timedelta(days=12),
            y(5),
            None,
            y(5) - timedelta(days=30),
            [("FI", "processing"), ("EE", "support_access")],
        ),
        # EEA but not EU: NO legal seat, NO/IS locations (near misses SUB-01, SUB-02); DPA on the day (SUB-03)
        Sub(
            FJORD,
            "Fjord Analytics AS",
            "analytics",
            "NO",
            True,
            y(3),
            y(3),
            None,
            y(3) - timedelta(days=50),
            [("NO", "processing"), ("IS", "storage")],
        ),
        # Greece written the EU way, 'EL' (near miss SUB-01)
        Sub(
            HELLAS,
            "Hellas Cloud SA",
            "hosting",
            "GR",
            True,
            y(3) - timedelta(days=10),
            y(3),
            None,
            y(3) - timedelta(days=60),
            [("EL", "storage")],
        ),
        # SUB-01: support access from Switzerland (adequacy is not EEA)
        Sub(
            ALPINE,
            "Alpine Support GmbH",
            "support_tooling",
            "DE",
            True,
            y(2) - timedelta(days=28),
            y(2),
            None,
            y(2) - timedelta(days=45),
            [("DE", "processing"), ("CH", "support_access")],
        ),
        # SUB-02: US legal entity with EU hosting
        Sub(
            ATLANTIC,
            "Atlantic Mail Inc.",
            "email_delivery",
            "US",
            True,
            y(4) - timedelta(days=5),
            y(4),
            None,
            y(4) - timedelta(days=40),
            [("IE", "storage"), ("NL", "processing")],
        ),
        # SUB-03: no DPA at all
        Sub(
            QUICKSIGN,
            "QuickSign Ltd",
            "e_signature",
            "IE",
            True,
            None,
            y(2),
            None,
            y(2) - timedelta(days=60),
            [("IE", "processing")],
        ),
        # SUB-03: DPA signed after engagement
        Sub(
            FORMBYRAN,
            "Formbyrån AB",
            "web_forms",
            "SE",
            True,
            y(2) + timedelta(days=45),
            y(2),
            None,
            y(2) - timedelta(days=61),
            [("SE", "processing")],
        ),
        # SUB-04: customers never notified
        Sub(
            PLING,
            "Pling Notiser AB",
            "push_notifications",
            "SE",
            True,
            days(400) - timedelta(days=10),
            days(400),
            None,
            None,
            [("SE", "processing")],
        ),
        # old SMS gateway, disengaged 200 days ago; last deliveries the evening before (near miss SUB-06)
        Sub(
            OLD_SMS,
            "Textflöde Norden AB",
            "sms_gateway",
            "SE",
            True,
            y(6) - timedelta(days=30),
            y(6),
            days(200),
            y(6) - timedelta(days=60),
            [("SE", "processing")],
        ),
        # SUB-06: deliveries just after midnight (Stockholm) on its disengagement day
        Sub(
            SNABB_SMS,
            "SnabbSMS AB",
            "sms_gateway",
            "SE",
            True,
            y(5) - timedelta(days=30),
            y(5),
            days(150),
            y(5) - timedelta(days=60),
            [("SE", "processing")],
        ),
        # former US backup vendor, disengaged: not judged by SUB-01..04 (near miss); its backup: SUB-07
        Sub(
            OVERSEAS_VAULT,
            "Overseas Vault LLC",
            "backup_storage",
            "US",
            True,
            y(5) - timedelta(days=15),
            y(5),
            days(30),
            y(5) - timedelta(days=45),
            [("US", "storage")],
        ),
        # clean register entry, but the egress log shows transfers to the US: SUB-05
        Sub(
            CLOUDMETRICS,
            "Molnmätning AB",
            "analytics",
            "SE",
            True,
            y(3) - timedelta(days=3),
            y(3),
            None,
            y(3) - timedelta(days=40),
            [("SE", "processing")],
        ),
        # no personal data: GB, no DPA (near misses SUB-01..03)
        Sub(
            STATUSPAGE,
            "Uptime Watch Ltd",
            "status_page",
            "GB",
            False,
            None,
            y(3),
            None,
            None,
            [("GB", "processing")],
        ),
        # SUB-04: notified only 10 days ahead
        Sub(
            KUNDENKAT,
            "Kundenkät AB",
            "surveys",
            "SE",
            True,
            days(320),
            days(300),
            None,
            days(310),
            [("SE", "processing")],
        ),
        # SUB-06: a transfer 5 days before engagement
        Sub(
            PRINT,
            "Lagerbolaget Print AB",
            "invoice_printing",
            "SE",
            True,
            days(110),
            days(100),
            None,
            days(140),
            [("SE", "processing")],
        ),
    ]
