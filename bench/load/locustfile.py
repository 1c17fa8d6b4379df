"""The mixed workload of the load benchmark (bench/load/run.py starts it; see bench/README.md).

Five kinds of client, each a closed loop without think time (a "user" is one concurrent client),
in the proportions of WEIGHTS; every request is named by its kind, and the runner reports
throughput and p50/p95/p99 per name:

    portal home / portal search / portal item       citizens browsing 政务服务 and searching
    staff queue / staff case                        a handler (logged in) working the queue
    api case list / api case / api item             a system reading through the REST API (token)
    api submit                                      a system submitting cases (POST /api/cases/)
    appeal form / appeal file                       anonymous 诉求 filed through the portal

The data the clients use (token, case numbers, item codes, material keys, the staff account)
come from the JSON file named by LOAD_FIXTURE, written by run.py from the prepared database.
The clients are locust's FastHttpUser (geventhttpclient): the load generator shares the machine
with the server and should take as little of its CPU as it can.
"""

import itertools
import json
import os
import random
import re
from urllib.parse import urlencode

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser as HttpUser
from mix import SEARCH_TERMS, WEIGHTS, appeal, submission

FORM = "application/x-www-form-urlencoded"

# request name -> kind; the runner's table groups by these names
KINDS = {
    "portal home": "portal browsing",
    "portal search": "portal search",
    "portal item": "portal browsing",
    "staff queue": "staff queue",
    "staff case": "staff case page",
    "api case list": "API read",
    "api case": "API read",
    "api item": "API read",
    "api submit": "API submission",
    "appeal form": "appeal filing",
    "appeal file": "appeal filing",
}

_fixture = None
_counter = itertools.count(random.randrange(1_000_000))


def fixture() -> dict:
    global _fixture
    if _fixture is None:
        path = os.environ.get("LOAD_FIXTURE")
        _fixture = json.loads(open(path).read()) if path else {}
    return _fixture


class Citizen(HttpUser):
    weight = WEIGHTS["Citizen"]
    wait_time = constant(0)

    @task(3)
    def home(self):
        self.client.get("/", name="portal home")

    @task(3)
    def search(self):
        query = urlencode({"q": random.choice(SEARCH_TERMS)})
        self.client.get(f"/services/?{query}", name="portal search")

    @task(2)
    def item(self):
        code = random.choice(fixture()["items"])
        self.client.get(f"/services/{code}/", name="portal item")


class Staff(HttpUser):
    weight = WEIGHTS["Staff"]
    wait_time = constant(0)

    def on_start(self):
        f = fixture()
        self.auth = {}
        if f.get("staff_session"):  # a session made by run.py: staff are logged in already
            self.auth = {"Cookie": f"sessionid={f['staff_session']}"}
            return
        page = self.client.get("/login/", name="staff login")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/login/",
            data=urlencode(
                {
                    "username": f["staff"],
                    "password": f["password"],
                    "csrfmiddlewaretoken": token.group(1) if token else "",
                }
            ),
            headers={"Referer": self.host + "/login/", "Content-Type": FORM},
            name="staff login",
        )

    @task(2)
    def queue(self):
        self.client.get("/staff/cases/", name="staff queue", headers=self.auth)

    @task(3)
    def case(self):
        number = random.choice(fixture()["staff_cases"])
        self.client.get(f"/staff/cases/{number}/", name="staff case", headers=self.auth)


class ApiReader(HttpUser):
    weight = WEIGHTS["ApiReader"]
    wait_time = constant(0)

    def on_start(self):
        self.auth = {"Authorization": f"Token {fixture()['token']}"}

    @task(1)
    def case_list(self):
        self.client.get("/api/cases/", name="api case list", headers=self.auth)

    @task(3)
    def case(self):
        number = random.choice(fixture()["api_cases"])
        self.client.get(f"/api/cases/{number}/", name="api case", headers=self.auth)

    @task(1)
    def item(self):
        code = random.choice(fixture()["items"])
        self.client.get(f"/api/catalog/items/{code}/", name="api item", headers=self.auth)


class ApiSubmitter(HttpUser):
    weight = WEIGHTS["ApiSubmitter"]
    wait_time = constant(0)

    def on_start(self):
        self.auth = {"Authorization": f"Token {fixture()['token']}"}

    @task
    def submit(self):
        payload = submission(fixture(), next(_counter))
        with self.client.post(
            "/api/cases/", json=payload, name="api submit", headers=self.auth, catch_response=True
        ) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:200]}")


class AppealFiler(HttpUser):
    weight = WEIGHTS["AppealFiler"]
    wait_time = constant(0)

    @task
    def file(self):
        page = self.client.get("/appeals/new/", name="appeal form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        n = next(_counter)
        with self.client.post(
            "/appeals/new/",
            data=urlencode(appeal(fixture(), token.group(1) if token else "", n)),
            headers={"Referer": self.host + "/appeals/new/", "Content-Type": FORM},
            name="appeal file",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"{r.status_code}: not filed")


USER_CLASSES = [Citizen, Staff, ApiReader, ApiSubmitter, AppealFiler]
