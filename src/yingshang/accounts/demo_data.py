"""The demo's applicant accounts (listed in the README and in the login page's 演示账号 box).
Their phones are in the 199 0000 range, which no real subscriber has in the demo."""

DEMO_ACCOUNTS = [
    {
        "username": "shimin",
        "phone": "19900000001",
        "kind": "person",
        "label": "张明（个人）",
    },
    {
        "username": "qiye",
        "phone": "19900000002",
        "kind": "enterprise",
        "label": "杨涪江（企业经办人）",
    },
]
