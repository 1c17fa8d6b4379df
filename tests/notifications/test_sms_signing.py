"""The providers' signature algorithms as the fake server checks them, pinned by the providers'
own published worked examples (every intermediate value is from the documents)."""

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from yingshang.notifications.sms import signing

# Tencent Cloud API 3.0 "Signature v3" worked example (CVM DescribeInstances, 2019-02-25).
TC3_BODY = (
    b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
)
TC3_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "host": "cvm.tencentcloudapi.com",
}


def test_tc3_official_example_every_step():
    assert signing.sha256_hex(TC3_BODY) == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    canonical = signing.tc3_canonical_request(
        "POST", "", TC3_HEADERS, ["content-type", "host"], TC3_BODY
    )
    assert canonical == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n"
        "\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    string_to_sign = signing.tc3_string_to_sign(
        "1551113065", "2019-02-25/cvm/tc3_request", canonical
    )
    assert string_to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert signing.tc3_signature(
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", string_to_sign
    ) == ("72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")


def test_tc3_authorization_header_is_parsed_and_malformed_ones_are_not():
    value = (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, Signature=" + "ab" * 32
    )
    parsed = signing.parse_tc3_authorization(value)
    assert parsed == {
        "id": "AKIDEXAMPLE",
        "date": "2019-02-25",
        "service": "cvm",
        "signed": "content-type;host",
        "sig": "ab" * 32,
    }
    assert signing.parse_tc3_authorization(value.replace("TC3-", "TC2-")) is None
    assert signing.parse_tc3_authorization(value[:-2]) is None  # 62 hex digits
    assert signing.parse_tc3_authorization("") is None


# Alibaba Cloud "V3 版本请求体&签名机制" fixed-parameter example (ECS RunInstances).
ACS3_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ACS3_HEADERS = {
    "host": "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-content-sha256": ACS3_EMPTY,
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-version": "2014-05-26",
}
ACS3_QUERY = {
    "ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
    "RegionId": "cn-shanghai",
}


def test_acs3_official_example_every_step():
    canonical, signed = signing.acs3_canonical_request(
        "POST", "/", ACS3_QUERY, ACS3_HEADERS, ACS3_EMPTY
    )
    assert signed == (
        "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
    )
    assert canonical == (
        "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
        "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\n"
        f"x-acs-content-sha256:{ACS3_EMPTY}\nx-acs-date:2023-10-26T10:22:32Z\n"
        "x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\n"
        f"{signed}\n{ACS3_EMPTY}"
    )
    assert signing.sha256_hex(canonical) == (
        "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    )
    assert signing.acs3_signature("YourAccessKeySecret", canonical) == (
        "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
    )


def test_acs3_headers_outside_the_required_set_are_signed_only_when_listed():
    headers = {**ACS3_HEADERS, "user-agent": "AlibabaCloud (Linux) Python/3.13"}
    plain, signed = signing.acs3_canonical_request("POST", "/", ACS3_QUERY, headers, ACS3_EMPTY)
    assert "user-agent" not in signed and "user-agent" not in plain
    listed = sorted(headers)
    wide, signed_wide = signing.acs3_canonical_request(
        "POST", "/", ACS3_QUERY, headers, ACS3_EMPTY, listed
    )
    assert "user-agent:AlibabaCloud (Linux) Python/3.13\n" in wide
    assert signed_wide.split(";") == listed
    assert signing.required_acs3_headers(headers) == sorted(ACS3_HEADERS)


def test_acs3_authorization_parse():
    value = (
        f"ACS3-HMAC-SHA256 Credential=LTAI5t,SignedHeaders=host;x-acs-action,Signature={'0f' * 32}"
    )
    assert signing.parse_acs3_authorization(value)["signed"] == "host;x-acs-action"
    assert signing.parse_acs3_authorization(value.replace(",Signed", ", Signed")) is None


def _rfc3986_reference(text: str) -> str:
    """RFC 3986 §2.3 written out: unreserved characters stay, every other UTF-8 byte is %XX."""
    unreserved = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
    return "".join(chr(b) if b in unreserved else f"%{b:02X}" for b in text.encode("utf-8"))


@given(st.text())
def test_rfc3986_encoding_matches_the_rfc(text):
    assert signing.rfc3986(text) == _rfc3986_reference(text)


@given(st.text(min_size=1), st.text(), st.sampled_from(["sms", "cvm"]))
def test_tc3_key_derivation_is_the_documented_hmac_chain(secret, msg, service):
    date = "2026-12-06"
    k = hmac.new(("TC3" + secret).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    expected = hmac.new(k, msg.encode(), hashlib.sha256).hexdigest()
    assert signing.tc3_signature(secret, date, service, msg) == expected
