"""subscribe_msg_sent_event reports with malformed entries, called directly: entries that are
no dicts, have no MsgID or a non-numeric ErrorCode are skipped or recorded without a code;
long values are cut to their columns; nothing is recorded for another openid."""

import pytest

from yingshang.channels import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "entries", [None, [], "oops", [None, "x", 3], [{"ErrorCode": 0}], {"MsgID": ""}]
)
def test_nothing_usable_records_nothing(entries):
    assert services.record_push_reports("o-none", entries) == 0


def test_a_single_dict_is_one_entry_and_bad_codes_are_kept_as_none(monkeypatch):
    seen = []

    class Rows:
        def filter(self, **kw):
            seen.append(kw)
            return self

        def update(self, **kw):
            seen.append(kw)
            return 1

    from yingshang.channels import models

    monkeypatch.setattr(models.PushResult, "objects", Rows())
    entry = {"MsgID": "9" * 80, "ErrorCode": "not a number", "ErrorStatus": "s" * 60}
    assert services.record_push_reports("o-one", entry) == 1
    where, values = seen
    assert where == {"msgid": "9" * 64, "delivery__address": "o-one"}
    assert values["report_errcode"] is None and values["report"] == "s" * 40
