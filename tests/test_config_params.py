from datetime import date

import pytest

from auditlib.config import DEFAULT_ALLOWED_COUNTRIES, Params


def test_defaults_are_the_spec_defaults() -> None:
    p = Params()
    assert (p.offboarding_grace_months, p.support_ticket_retention_months) == (1, 24)
    assert (p.cookie_consent_retention_months, p.login_event_retention_months) == (13, 12)
    assert (p.accounting_retention_years, p.subprocessor_notice_days) == (7, 30)
    assert p.notice_required_since == date(2018, 5, 25)
    assert (p.dsr_due_soon_days, p.count_eves_as_holidays) == (7, False)
    assert len(DEFAULT_ALLOWED_COUNTRIES) == 30
    assert {"IS", "LI", "NO", "GR"} <= set(p.allowed_countries)
    assert not {"CH", "GB", "EL", "US"} & set(p.allowed_countries)


def test_from_mapping_normalises_and_refuses_unknown_names() -> None:
    p = Params.from_mapping(
        {"allowed_countries": "se, el no", "notice_required_since": "2019-01-01"}
    )
    assert p.allowed_countries == ("GR", "NO", "SE")
    assert p.notice_required_since == date(2019, 1, 1)
    with pytest.raises(ValueError, match="unknown rule parameter"):
        Params.from_mapping({"offboarding_grace_month": 2})
    with pytest.raises(ValueError, match="true or false"):
        Params.from_mapping({"count_eves_as_holidays": "yes"})
    with pytest.raises(ValueError, match="non-negative integer"):
        Params.from_mapping({"dsr_due_soon_days": -1})
