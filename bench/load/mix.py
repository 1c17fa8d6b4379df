"""What the load benchmark's clients send, shared by locustfile.py (through HTTP) and cost.py
(in process): the client weights, the search words, and the bodies of a case submission and
of an appeal. No locust import here (it patches the standard library with gevent)."""

import base64

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_B64 = base64.b64encode(PDF).decode()
# how many of the concurrent clients are of each kind (relative)
WEIGHTS = {"Citizen": 4, "Staff": 3, "ApiReader": 3, "ApiSubmitter": 2, "AppealFiler": 1}
SEARCH_TERMS = ["营业执照", "登记", "许可", "备案", "食品", "建设", "税", "社保", "公积金", "医疗"]


def uscc(n: int) -> str:
    from stdnum.cn import uscc as check

    body = f"91510700MA6L{n % 100000:05d}"
    return body + check.calc_check_digit(body)


def submission(fixture: dict, n: int) -> dict:
    """The JSON body of POST /api/cases/: the fixture's item with every material uploaded."""
    return {
        "item": fixture["submit_item"],
        "applicant_kind": "enterprise",
        "applicant_code": uscc(n),
        "applicant_name": "绵阳压测科技有限公司",
        "materials": [
            {"key": key, "filename": f"{key}.pdf", "content_base64": PDF_B64}
            for key in fixture["submit_slots"]
        ],
    }


def appeal(fixture: dict, csrf_token: str, n: int) -> dict:
    """The form fields of POST /appeals/new/ (an anonymous citizen's 诉求)."""
    return {
        "csrfmiddlewaretoken": csrf_token,
        "appellant_kind": "person",
        "person_name": "压测市民",
        "contact_name": "压测市民",
        "contact_phone": f"1380000{n % 10000:04d}",
        "appeal_type": fixture["appeal_type"],
        "topic": fixture["appeal_topic"],
        "title": "办事排队时间过长",
        "text": f"压测诉求 {n}:窗口排队时间过长,希望增加窗口。",
    }
