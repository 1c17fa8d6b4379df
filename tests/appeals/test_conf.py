"""The appeals limits (appeals/conf.py): Sichuan's 12345 defaults, each overridable in settings
(a partial override keeps the other defaults), and a limit that reaches the dispatched appeal."""

import pytest

from yingshang.appeals import conf


@pytest.mark.parametrize(
    "appeal_type,days",
    [("consult", 3), ("help", 7), ("suggest", 7), ("complaint", 15), ("policy", 15)],
)
def test_default_reply_limits(appeal_type, days):
    assert conf.limit_days(appeal_type) == days


def test_a_partial_override_keeps_the_other_defaults(settings):
    settings.APPEAL_LIMIT_DAYS = {"consult": "5"}
    assert conf.limit_days("consult") == 5  # read as an integer
    assert conf.limit_days("complaint") == 15


def test_unknown_type_is_refused():
    with pytest.raises(KeyError):
        conf.limit_days("praise")


@pytest.mark.parametrize(
    "setting,function,default,value",
    [
        ("APPEAL_SIGN_DAYS", conf.sign_days, 1, 2),
        ("APPEAL_MAX_EXTENSION_DAYS", conf.max_extension_days, 15, 10),
        ("APPEAL_REPEAT_THRESHOLD", conf.repeat_threshold, 0.5, 0.7),
        ("APPEAL_REPEAT_WINDOW_DAYS", conf.repeat_window_days, 30, 60),
    ],
)
def test_each_setting_and_its_default(settings, setting, function, default, value):
    if hasattr(settings, setting):
        delattr(settings, setting)
    assert function() == default
    setattr(settings, setting, str(value))
    assert function() == value


@pytest.mark.django_db
def test_an_overridden_limit_reaches_the_dispatched_appeal(
    mianyang, office, depts, submit, settings
):
    from yingshang.appeals import services
    from yingshang.workdays.calendar import add_working_days

    settings.APPEAL_LIMIT_DAYS = {"help": 2}
    appeal = submit()
    services.dispatch(appeal, office, depts["power"])
    appeal.refresh_from_db()
    assert appeal.limit_days == 2
    assert appeal.due_at == add_working_days(appeal.dispatched_at, 2).due
