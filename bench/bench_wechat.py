"""Benchmark: the WeChat channel (yingshang.channels) on PostgreSQL.

(a) The callback `/wechat/` behind gunicorn with `yingshang serve`'s settings (gthread, 2
    workers × 4 threads, --preload): CLIENTS keep-alive connections send signed, encrypted
    (安全模式) text messages with fresh nonces — each one verified, decrypted, its nonce recorded,
    rate-limited, answered and the reply encrypted. Prints messages/s and latency p50/p95; every
    reply is decrypted and checked by the client (appid and signature), so a wrong answer counts
    as an error. Targets (issue 14): ≥ 500 messages/s, p95 < 50 ms.
(b) A burst of PUSHES status pushes drained through the fake WeChat API server (run as its own
    process): the deliveries are written first (not timed), then WORKERS processes each run the
    notification centre's own `drain("wechat")` (what the queue's drain task runs: batches
    claimed with SKIP LOCKED, pushed on WECHAT_PUSH_CONCURRENCY threads). Prints pushes/s and the counts on both sides: deliveries sent here, messages received
    and duplicates there. Target: ≥ 1,000 pushes/s, no duplicate, no loss.

    .venv/bin/python bench/bench_wechat.py [--seconds 10 --clients 8 --pushes 20000 --workers 4]
"""

import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases_common import ROOT, ensure_database, print_machine, setup  # noqa: E402

APP_ID, SECRET = "wxbench000000001", "bench-secret"
TOKEN, AES_KEY = "benchtoken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
KEY = base64.b64decode(AES_KEY + "=")


def sha1_sorted(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt(xml: str) -> str:
    msg = xml.encode()
    raw = os.urandom(16) + struct.pack("!I", len(msg)) + msg + APP_ID.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def decrypt(b64: str) -> tuple[str, str]:
    dec = Cipher(algorithms.AES(KEY), modes.CBC(KEY[:16])).decryptor()
    raw = dec.update(base64.b64decode(b64)) + dec.finalize()
    raw = raw[16 : -raw[-1]]
    (n,) = struct.unpack("!I", raw[:4])
    return raw[4 : 4 + n].decode(), raw[4 + n :].decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def callback_phase(env, clients: int, seconds: float) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "yingshang.wsgi", "-k", "gthread", "-w", "2",
         "--threads", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--preload"],
        env=env, cwd=str(ROOT), start_new_session=True,
    )  # fmt: skip
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    first_error = []
    stop, measuring = threading.Event(), threading.Event()

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        openid = f"oBenchUser{i:04d}xxxxxxxxxxxxxx"
        n = 0
        while not stop.is_set():
            n += 1
            ts, nonce = str(int(time.time())), f"{i}{n}{time.time_ns() % 10**6}"
            xml = (
                f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
                f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[我的办件]]></Content><MsgId>{n}</MsgId></xml>"
            )
            enc = encrypt(xml)
            query = (
                f"/wechat/?timestamp={ts}&nonce={nonce}&encrypt_type=aes"
                f"&msg_signature={sha1_sorted(TOKEN, ts, nonce, enc)}&signature={sha1_sorted(TOKEN, ts, nonce)}"
            )
            body = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"
            t0 = time.perf_counter()
            try:
                conn.request(
                    "POST", query, body=body.encode(), headers={"Content-Type": "text/xml"}
                )
                resp = conn.getresponse()
                data = resp.read().decode()
                elapsed = time.perf_counter() - t0
                reply_enc = data.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
                reply_ts = data.split("<TimeStamp>", 1)[1].split("<", 1)[0]
                sig = data.split("<MsgSignature><![CDATA[", 1)[1].split("]]>", 1)[0]
                message, app_id = decrypt(reply_enc)
                assert resp.status == 200 and app_id == APP_ID and "绑定" in message
                assert sig == sha1_sorted(TOKEN, reply_ts, nonce, reply_enc)
                if measuring.is_set():
                    latencies[i].append(elapsed)
            except Exception as exc:  # noqa: BLE001 - counted
                if measuring.is_set():
                    errors[i] += 1
                if not first_error:
                    first_error.append(repr(exc)[:300])
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    try:
        wait_port(port)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(3)  # warm-up
        load = os.getloadavg()[0]
        measuring.set()
        t0 = time.perf_counter()
        time.sleep(seconds)
        measuring.clear()
        elapsed = time.perf_counter() - t0
        stop.set()
        for t in threads:
            t.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    lat = sorted(x for per in latencies for x in per)
    return {
        "messages": len(lat),
        "rate": len(lat) / elapsed,
        "p50": statistics.median(lat) * 1000 if lat else 0,
        "p95": lat[int(len(lat) * 0.95)] * 1000 if lat else 0,
        "errors": sum(errors),
        "first_error": first_error[0] if first_error else None,
        "load": load,
    }


def drain(db_url: str, env_api_base: str, worker: int, workers: int, counter) -> None:
    """One worker process running what the queue's drain task runs (notifications'
    ``drain("wechat")``: claim a batch with SKIP LOCKED, push it on WECHAT_PUSH_CONCURRENCY
    threads, record it) until nothing is due."""
    os.environ["WECHAT_API_BASE"] = env_api_base
    setup(db_url)
    from yingshang.notifications.services import drain as drain_channel

    sent = drain_channel("wechat")["sent"]
    with counter.get_lock():
        counter.value += sent


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def push_phase(db_url: str, pushes: int, workers: int) -> dict:
    from django.utils import timezone

    from yingshang.channels.models import AccessToken, Follower, TemplateMapping
    from yingshang.core.models import User
    from yingshang.notifications.models import Delivery, Notification

    port = free_port()
    fake = subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "-m", "yingshang.channels.fake_server", APP_ID, SECRET, str(port)],
        stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    api_base = f"http://127.0.0.1:{port}"
    try:
        wait_port(port)
        Delivery.objects.filter(channel="wechat").delete()
        AccessToken.objects.all().delete()
        TemplateMapping.objects.get_or_create(
            category="", kind="subscribe", defaults={"template_id": "BENCH-TPL"}
        )
        user, _ = User.objects.get_or_create(
            username="bench_wechat", defaults={"full_name": "压测"}
        )
        openid = "oBenchPushTarget0000000000001"
        Follower.objects.update_or_create(
            openid=openid, defaults={"user": user, "subscribed": True}
        )
        now = timezone.now()
        notes = Notification.objects.bulk_create(
            [Notification(recipient=user, title=f"办件状态变更 #{i}", body="已受理", category="case", in_app=False) for i in range(pushes)],
            batch_size=2000,
        )  # fmt: skip
        Delivery.objects.bulk_create(
            [Delivery(notification=n, channel="wechat", address=openid, next_attempt_at=now) for n in notes],
            batch_size=2000,
        )  # fmt: skip
        from django.db import connection

        connection.close()
        counter = multiprocessing.Value("i", 0)
        ctx = multiprocessing.get_context("fork")
        procs = [
            ctx.Process(target=drain, args=(db_url, api_base, w, workers, counter))
            for w in range(workers)
        ]
        load = os.getloadavg()[0]
        import resource

        fake_cpu0 = _proc_cpu(fake.pid)
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - t0
        kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers_cpu = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
        fake_cpu = _proc_cpu(fake.pid) - fake_cpu0
        stats = json.loads(urllib.request.urlopen(api_base + "/_fake/stats", timeout=10).read())
    finally:
        os.killpg(fake.pid, signal.SIGTERM)
        fake.wait(timeout=30)
    from yingshang.notifications.models import DeliveryStatus

    return {
        "pushes": pushes,
        "elapsed": elapsed,
        "rate": counter.value / elapsed,
        "sent_here": counter.value,
        "sent_rows": Delivery.objects.filter(channel="wechat", status=DeliveryStatus.SENT).count(),
        "received_there": stats["received"],
        "duplicates_there": stats["duplicates"],
        "tokens_issued": stats["tokens_issued"],
        "load": load,
        "cpu_workers_ms": workers_cpu * 1000 / max(pushes, 1),
        "cpu_fake_ms": fake_cpu * 1000 / max(pushes, 1),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/yingshang_bench_wechat")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--pushes", type=int, default=20000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--only", choices=["callback", "push"], help="run one of the two phases")
    args = ap.parse_args()
    ensure_database(args.db)
    env = dict(
        os.environ,
        DATABASE_URL=args.db,
        YINGSHANG_VAR=tempfile.mkdtemp(prefix="yingshang-bench-"),
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        CONN_MAX_AGE="600",
        WECHAT_APP_ID=APP_ID,
        WECHAT_APP_SECRET=SECRET,
        WECHAT_TOKEN=TOKEN,
        WECHAT_ENCODING_AES_KEY=AES_KEY,
        WECHAT_COMMANDS_PER_MINUTE="1000000",
    )
    os.environ.update(
        {
            k: env[k]
            for k in (
                "WECHAT_APP_ID",
                "WECHAT_APP_SECRET",
                "WECHAT_TOKEN",
                "WECHAT_ENCODING_AES_KEY",
                "LOG_LEVEL",
            )
        }
    )
    os.environ["YINGSHANG_VAR"] = env["YINGSHANG_VAR"]
    setup(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    connection.close()
    cb = callback_phase(env, args.clients, args.seconds) if args.only != "push" else None
    push = push_phase(args.db, args.pushes, args.workers) if args.only != "callback" else None
    print("yingshang WeChat channel benchmark (PostgreSQL)")
    print_machine()
    if cb is not None:
        print(
            f"  callback  gunicorn gthread 2 workers × 4 threads, {args.clients} clients, {args.seconds:.0f} s"
        )
        print(
            f"(a) callback, encrypted text messages: {cb['messages']} answered, {cb['rate']:.0f} messages/s, "
            f"p50 {cb['p50']:.1f} ms, p95 {cb['p95']:.1f} ms, errors {cb['errors']}, load {cb['load']:.1f}"
            f"  [target ≥ 500/s, p95 < 50 ms]"
        )
        if cb["first_error"]:
            print(f"    first error: {cb['first_error']}")
    if push is not None:
        print(
            f"(b) push burst: {push['pushes']} deliveries, {args.workers} worker processes, "
            f"{push['elapsed']:.1f} s, {push['rate']:.0f} pushes/s; sent here {push['sent_here']} "
            f"(rows {push['sent_rows']}), received by the fake server {push['received_there']}, "
            f"duplicates {push['duplicates_there']}, lost {push['pushes'] - push['received_there']}, "
            f"tokens issued {push['tokens_issued']}, load {push['load']:.1f}  [target ≥ 1,000/s]"
        )
        print(
            f"    CPU per push: worker processes {push['cpu_workers_ms']:.2f} ms, "
            f"fake WeChat server {push['cpu_fake_ms']:.2f} ms (PostgreSQL not counted)"
        )


if __name__ == "__main__":
    main()
