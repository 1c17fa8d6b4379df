"""CPU cost and queries per request of each kind of the load benchmark's mix, in process.

    .venv/bin/python bench/load/cost.py                        # PostgreSQL (run.py's database)
    .venv/bin/python bench/load/cost.py --db sqlite --n 50
    .venv/bin/python bench/load/cost.py --profile "staff queue"   # cProfile of one request name

The requests are those of locustfile.py (the same URLs, headers, bodies and fixture: the staff
session, the API token, the case numbers and item codes run.py wrote for the database), sent
straight into the WSGI application of `yingshang serve` (``yingshang.wsgi``, warmed up as
gunicorn's master does) in this one thread: no HTTP, no gunicorn, no locust. Wall-clock speed on
a shared machine says little; the CPU time a request costs does not depend on how many other
processes wait for the cores (caches aside), so this is the figure to compare before/after.

Per request name it prints: CPU ms per request of this process (the server's share), CPU ms
of the PostgreSQL backend serving this connection (read from /proc; 0 on SQLite), SQL
statements per request, and the share of the name in the mix (locust's client weights × task
weights: a closed loop's share also depends on latency, so this is an approximation), then the
mix's weighted CPU per request and what two cores would serve at that cost. Rounds alternate
the names (each round runs every name ``--n`` times) and the per-name figure is the median of
the rounds, which damps bursts of load from other processes.

It needs the database prepared by run.py (the first ``run.py --db …`` run, or this script's
``--prepare``; COST_DB in the environment is the default --db). It writes: case submissions and appeals, like the benchmark.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import mix  # noqa: E402 - what the clients send, shared with locustfile.py
import run  # noqa: E402 - the runner's database helpers

# request name -> (locust class, task weight); the class weights are mix.WEIGHTS
TASKS = {
    "portal home": ("Citizen", 3),
    "portal search": ("Citizen", 3),
    "portal item": ("Citizen", 2),
    "staff queue": ("Staff", 2),
    "staff case": ("Staff", 3),
    "api case list": ("ApiReader", 1),
    "api case": ("ApiReader", 3),
    "api item": ("ApiReader", 1),
    "api submit": ("ApiSubmitter", 1),
    "appeal form": ("AppealFiler", 1),
    "appeal file": ("AppealFiler", 1),
}


def shares() -> dict[str, float]:
    """Each request name's share of the mix's requests (client weight × task share)."""
    per_class: dict[str, int] = {}
    for cls, w in TASKS.values():
        per_class[cls] = per_class.get(cls, 0) + w
    total = sum(mix.WEIGHTS.values())
    return {name: mix.WEIGHTS[cls] / total * w / per_class[cls] for name, (cls, w) in TASKS.items()}


class Client:
    """Calls the WSGI application directly; keeps cookies like locust's client."""

    def __init__(self, app, cookies: dict | None = None, headers: dict | None = None):
        self.app = app
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    def request(self, method, path, body=b"", content_type="", headers=None):
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate",
            "HTTP_USER_AGENT": "cost.py",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if body:
            environ["CONTENT_LENGTH"] = str(len(body))
        if content_type:
            environ["CONTENT_TYPE"] = content_type
        for key, value in {**self.headers, **(headers or {})}.items():
            environ["HTTP_" + key.upper().replace("-", "_")] = value
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status = []

        def start_response(s, response_headers, exc_info=None):
            status.append(int(s.split()[0]))
            for key, value in response_headers:
                if key.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]

        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return status[0], content


def requests_for(fixture: dict, app):
    """name -> a function sending one request of that name; returns (status, body)."""
    citizen = Client(app)
    staff = Client(app, cookies={"sessionid": fixture["staff_session"]})
    api = Client(app, headers={"Authorization": f"Token {fixture['token']}"})
    filer = Client(app)
    counter = iter(range(random.randrange(1_000_000), 10**9))
    form_token = {}

    def appeal_form():
        status, body = filer.request("GET", "/appeals/new/")
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        form_token["token"] = m.group(1).decode() if m else ""
        return status, body

    def appeal_file():
        if "token" not in form_token:
            appeal_form()
        n = next(counter)
        data = urlencode(mix.appeal(fixture, form_token.pop("token"), n)).encode()
        return filer.request(
            "POST",
            "/appeals/new/",
            data,
            "application/x-www-form-urlencoded",
            headers={"Referer": "http://127.0.0.1:8000/appeals/new/"},
        )

    def submit():
        payload = mix.submission(fixture, next(counter))
        return api.request("POST", "/api/cases/", json.dumps(payload).encode(), "application/json")

    r = random.Random(7)
    return {
        "portal home": lambda: citizen.request("GET", "/"),
        "portal search": lambda: citizen.request(
            "GET", "/services/?" + urlencode({"q": r.choice(mix.SEARCH_TERMS)})
        ),
        "portal item": lambda: citizen.request("GET", f"/services/{r.choice(fixture['items'])}/"),
        "staff queue": lambda: staff.request("GET", "/staff/cases/"),
        "staff case": lambda: staff.request(
            "GET", f"/staff/cases/{r.choice(fixture['staff_cases'])}/"
        ),
        "api case list": lambda: api.request("GET", "/api/cases/"),
        "api case": lambda: api.request("GET", f"/api/cases/{r.choice(fixture['api_cases'])}/"),
        "api item": lambda: api.request("GET", f"/api/catalog/items/{r.choice(fixture['items'])}/"),
        "api submit": submit,
        "appeal form": appeal_form,
        "appeal file": appeal_file,
    }


EXPECTED = {"api submit": 201, "appeal file": 302}


def backend_cpu(pid: int | None) -> float:
    """CPU seconds so far of the PostgreSQL backend ``pid`` (same machine), 0 without one."""
    if not pid:
        return 0.0
    try:
        raw = open(f"/proc/{pid}/stat").read()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--db",
        default=os.environ.get("COST_DB", "postgres"),
        help="postgres (run.py's), sqlite, or a URL",
    )
    ap.add_argument("--n", type=int, default=30, help="requests per name per round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds (the median is reported)")
    ap.add_argument("--only", action="append", default=[], help="only these request names")
    ap.add_argument(
        "--profile", metavar="NAME", help='cProfile NAME (n × rounds requests); "mix": all names'
    )
    ap.add_argument("--profile-out", metavar="FILE", help="also dump the profile (pstats) here")
    ap.add_argument("--sql", action="store_true", help="print each name's SQL statements")
    ap.add_argument("--prepare", action="store_true", help="prepare the database first")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()

    label, url, var = run.resolve_db(args.db)
    fixture_path = var / "fixture.json"
    if args.prepare:
        run.prepare(label, url, var)
    elif not fixture_path.exists():
        raise SystemExit(f"{url} is not prepared: run.py --db … once, or this script's --prepare")
    fixture = json.loads(fixture_path.read_text())
    os.environ.update(run.env_for(url, var))
    os.environ["CONN_MAX_AGE"] = "3600"  # one backend for the whole run: its CPU is read
    from django.db import connection  # noqa: PLC0415
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from yingshang.wsgi import application  # noqa: PLC0415 - after the environment

    mix = args.profile == "mix"
    names = args.only or ([args.profile] if args.profile and not mix else list(TASKS))
    send = requests_for(fixture, application)

    def backend_pid():
        if connection.vendor != "postgresql":
            return None
        connection.ensure_connection()
        return connection.connection.info.backend_pid

    # warm-up: every name a few times (first renderings, caches, the connection)
    for name in names:
        for _ in range(3):
            status, body = send[name]()
            if status != EXPECTED.get(name, 200):
                raise SystemExit(f"{name}: {status} {body[:300]!r}")

    queries = {}
    for name in names:
        with CaptureQueriesContext(connection) as ctx:
            send[name]()
        queries[name] = [q["sql"] for q in ctx.captured_queries]

    if args.sql:
        for name in names:
            print(f"## {name}: {len(queries[name])} statements")
            for sql in queries[name]:
                print("  ", sql)
        return

    if args.profile:
        # "mix": every name, as many times as its share of n × rounds × 11 requests
        share = shares()
        plan = (
            [(name, round(share[name] * args.n * args.rounds * len(names))) for name in names]
            if mix
            else [(args.profile, args.n * args.rounds)]
        )
        prof = cProfile.Profile(time.thread_time)
        prof.enable()
        for name, count in plan:
            for _ in range(count):
                send[name]()
        prof.disable()
        if args.profile_out:
            prof.dump_stats(args.profile_out)
        if not mix:
            for sql in queries[args.profile]:
                print(" ", sql[:220])
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
        return

    per_round: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for _ in range(args.rounds):
        for name in names:
            pid = backend_pid()
            db0, cpu0 = backend_cpu(pid), time.thread_time()
            for _ in range(args.n):
                send[name]()
            cpu1, db1 = time.thread_time(), backend_cpu(pid)
            per_round[name].append(((cpu1 - cpu0) * 1000 / args.n, (db1 - db0) * 1000 / args.n))

    share = shares()
    info = run.machine()
    print(
        f"{label}, {fixture.get('database', '')}, {fixture.get('cases', 0):,} cases; "
        f"{info['cpu']}, {info['cores']} cores, Python {info['python']}; load average "
        f"{run.load()}; {args.rounds} rounds × {args.n} requests per name, median of rounds"
    )
    print()
    print("| request | share of the mix | server CPU ms | PostgreSQL CPU ms | SQL statements |")
    print("|---|---:|---:|---:|---:|")
    out = {}
    mix_server = mix_db = mix_q = 0.0
    for name in names:
        server = statistics.median(a for a, _b in per_round[name])
        db = statistics.median(b for _a, b in per_round[name])
        q = len(queries[name])
        out[name] = {"server_ms": server, "db_ms": db, "queries": q, "share": share[name]}
        print(f"| {name} | {share[name]:.1%} | {server:.2f} | {db:.2f} | {q} |")
        mix_server += share[name] * server
        mix_db += share[name] * db
        mix_q += share[name] * q
    if not args.only:
        total = mix_server + mix_db
        print(
            f"| **mix (weighted)** | 100 % | **{mix_server:.2f}** | **{mix_db:.2f}** | "
            f"{mix_q:.1f} |"
        )
        print()
        print(
            f"Two cores at {total:.1f} ms of CPU per request (server + PostgreSQL, in process: "
            f"no HTTP, gunicorn or locust) serve at most {2000 / total:.0f} requests/s."
        )
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
