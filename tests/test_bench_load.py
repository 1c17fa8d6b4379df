"""The load benchmark's locustfile (bench/load/): it imports, and its clients' tasks, run against
a recording stand-in for the HTTP client, send requests of every named kind of the mixed
workload — portal browsing and search, staff queue and case pages, API reads, API submissions,
appeal filing. No load is generated here (bench/load/run.py does that)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, sys
from urllib.parse import parse_qs
sys.path.insert(0, sys.argv[1])
import locustfile as lf

class Response:
    status_code = 201
    text = '<input name="csrfmiddlewaretoken" value="tok">'
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def failure(self, msg): pass

class Client:
    def __init__(self): self.calls, self.headers = [], {}
    def _call(self, method, path, **kw):
        body = kw.get("json") or kw.get("data") or {}
        if isinstance(body, str):
            body = parse_qs(body)
        self.calls.append([method, path, kw.get("name"), sorted(body)])
        return Response()
    def get(self, path, **kw): return self._call("GET", path, **kw)
    def post(self, path, data=None, **kw): return self._call("POST", path, data=data, **kw)

lf._fixture = {"token": "t", "staff": "chengban", "password": "p", "items": ["I1"],
               "submit_item": "I1", "submit_slots": ["m1"], "staff_cases": ["C1"],
               "api_cases": ["C1"], "appeal_type": "complaint", "appeal_topic": "other"}
out = {"kinds": lf.KINDS, "classes": {}}
for cls in lf.USER_CLASSES:
    user = object.__new__(cls)
    user.client, user.host = Client(), "http://x"
    if hasattr(cls, "on_start"):
        cls.on_start(user)
    for t in cls.tasks:
        t(user)
    out["classes"][cls.__name__] = {"weight": cls.weight, "calls": user.client.calls}
print(json.dumps(out))
"""


def test_locustfile_covers_every_kind_of_the_mixed_workload():
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "bench" / "load")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    kinds = out["kinds"]
    calls = [c for cls in out["classes"].values() for c in cls["calls"]]
    names = {name for _m, _p, name, _d in calls}
    assert names - {"staff login"} <= set(kinds), names - set(kinds)
    assert {kinds[n] for n in names if n in kinds} == {
        "portal browsing",
        "portal search",
        "staff queue",
        "staff case page",
        "API read",
        "API submission",
        "appeal filing",
    }
    assert all(cls["weight"] > 0 for cls in out["classes"].values())
    submit = [c for c in calls if c[2] == "api submit"]
    assert submit and submit[0][0] == "POST" and submit[0][1] == "/api/cases/"
    assert {"item", "applicant_code", "materials"} <= set(submit[0][3])
    appeal = [c for c in calls if c[2] == "appeal file"]
    assert appeal and appeal[0][:2] == ["POST", "/appeals/new/"]
    assert "csrfmiddlewaretoken" in appeal[0][3]
    staff = [c for c in out["classes"]["Staff"]["calls"] if c[0] == "POST"]
    assert staff and staff[0][1] == "/login/"  # the staff client logs in first
