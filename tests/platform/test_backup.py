"""`yingshang backup` / `yingshang restore` (platform/backup.py).

End to end, on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL): a real
server (`yingshang serve`) takes API submissions from several clients while `yingshang backup`
runs; the archive is restored into a fresh database and upload directory, where every case
acknowledged before the backup started is present with its files (byte for byte, by the
SHA-256 the row keeps), and every restored case has all its files (the copy is consistent).
Then damaged archives: each is refused with a clear message and the data stays as it was."""

import base64
import hashlib
import http.client
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from yingshang.platform import backup

from .test_sigkill import SETUP, _free_port, _uscc

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

CHECK = r"""
import django, json, hashlib
django.setup()
from yingshang.cases.models import Case, CaseMaterial
out = {}
for number, name, sha in CaseMaterial.objects.filter(source="upload").values_list(
        "case__number", "stored_name", "sha256"):
    out.setdefault(number, []).append([name, sha])
for number in Case.objects.values_list("number", flat=True):
    out.setdefault(number, [])
print(json.dumps(out))
"""


def _pdf(n: int) -> bytes:
    return b"%PDF-1.4\n%" + str(n).encode() * 2000 + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class _Databases:
    """Fresh databases of the suite's vendor, made and dropped by the test."""

    def __init__(self, tmp_path):
        self.tmp, self.made = tmp_path, []
        url = os.environ.get("DATABASE_URL", "")
        self.pg = url.startswith(("postgres://", "postgresql://"))
        self.base = url.rpartition("/")[0] if self.pg else ""

    def new(self, label: str) -> str:
        if not self.pg:
            return f"sqlite:///{self.tmp / f'{label}.sqlite3'}"
        import psycopg

        name = f"ops_backup_{os.getpid()}_{label}"
        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"{self.base}/{name}"

    def drop(self):
        if not self.made:
            return
        import psycopg

        with psycopg.connect(f"{self.base}/postgres", autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(url: str, var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        DATABASE_URL=url,
        YINGSHANG_VAR=str(var),
        DJANGO_SETTINGS_MODULE="yingshang.settings",
        ALLOWED_HOSTS="127.0.0.1",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        CONN_MAX_AGE="60",
        TASKS_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )
    return env


def _cli(env, *args, check=True):
    return subprocess.run(
        [str(BIN / "yingshang"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


@pytest.fixture
def databases(tmp_path):
    dbs = _Databases(tmp_path)
    yield dbs
    dbs.drop()


def test_backup_while_serving_then_restore_finds_every_acknowledged_case(tmp_path, databases):
    src_var, dst_var = tmp_path / "src", tmp_path / "dst"
    src_var.mkdir()
    dst_var.mkdir()
    src = _env(databases.new("src"), src_var)
    out = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=src,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [
            str(BIN / "yingshang"),
            "serve",
            "--no-worker",
            "--no-collectstatic",
            "--workers",
            "2",
            "--threads",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=src,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    acked: list[tuple[float, str]] = []  # (monotonic time of the answer, case number)
    lock, stop = threading.Lock(), threading.Event()

    def client(n: int):
        conn = None
        for i in range(2000):  # bounded
            if stop.is_set():
                return
            k = n * 10000 + i
            payload = {
                "item": "000001510700CITYMARKET01",
                "applicant_kind": "enterprise",
                "applicant_name": "绵阳备份测试有限公司",
                "applicant_code": _uscc(k),
                "materials": [
                    {
                        "key": key,
                        "filename": f"{key}.pdf",
                        "content_base64": base64.b64encode(_pdf(k)).decode(),
                    }
                    for key in info["slots"]
                ],
            }
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                conn.request(
                    "POST",
                    "/api/cases/",
                    json.dumps(payload),
                    {"Authorization": f"Token {info['token']}", "Content-Type": "application/json"},
                )
                r = conn.getresponse()
                data = r.read()
                if r.status == 201:
                    with lock:
                        acked.append((time.monotonic(), json.loads(data)["number"]))
            except (OSError, http.client.HTTPException):
                conn = None
                time.sleep(0.05)

    archive = tmp_path / "backup.tar"
    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        for t in threads:
            t.start()
        deadline = time.monotonic() + 90
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        made = _cli(src, "backup", str(archive))  # while the clients go on writing
        count_at_end = len(acked)
        deadline = time.monotonic() + 30
        while len(acked) < count_at_end + 5 and time.monotonic() < deadline:
            time.sleep(0.02)  # and they still write after it: the server never stopped
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    before = {number for t, number in acked if t < started}
    assert len(before) >= 20, "too few acknowledged submissions to test"
    assert len(acked) > len(before), "nothing was written while and after the backup ran"
    assert "sqlite" in made.stdout or "postgresql" in made.stdout, made.stdout

    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert manifest["database"]["vendor"] == ("postgresql" if databases.pg else "sqlite")
    assert ["cases", "0001_initial"] in manifest["migrations"]
    assert manifest["missing_files"] == []

    # restore into a fresh database and upload directory
    dst = _env(databases.new("dst"), dst_var)
    restored = _cli(dst, "restore", str(archive))
    assert "restored" in restored.stdout
    rows = json.loads(_cli(dst, "shell", "-c", CHECK).stdout.strip().splitlines()[-1])
    assert before <= set(rows), sorted(before - set(rows))[:5]
    assert set(rows) <= {number for _t, number in acked}  # nothing made up
    assert len(rows) >= len(before)
    uploads = dst_var / "uploads"
    for number, files in rows.items():
        assert len(files) == len(info["slots"]), number  # a consistent copy: no partial case
        for name, sha in files:
            assert hashlib.sha256((uploads / name).read_bytes()).hexdigest() == sha, name
    # the files in the archive are exactly those the restored rows name
    on_disk = {p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()}
    assert on_disk == {name for files in rows.values() for name, _sha in files}

    # a second restore over data: refused without --force, the data untouched
    again = _cli(dst, "restore", str(archive), check=False)
    assert again.returncode != 0
    assert "--force" in again.stderr
    # a damaged copy: refused, nothing changed, even with --force
    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    first = manifest["files"][0]
    with tarfile.open(archive) as tar:
        offset = tar.getmember(f"uploads/{first['name']}").offset_data
    data[offset + 100] ^= 0xFF  # one byte inside the first file's content
    damaged.write_bytes(bytes(data))
    refused = _cli(dst, "restore", str(damaged), "--force", check=False)
    assert refused.returncode != 0
    assert "校验和不符" in refused.stderr and first["name"] in refused.stderr, refused.stderr
    assert json.loads(_cli(dst, "shell", "-c", CHECK).stdout.strip().splitlines()[-1]) == rows
    assert {p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()} == on_disk
    # with --force the database is replaced; the previous uploads are kept beside
    forced = _cli(dst, "restore", str(archive), "--force")
    assert "restored" in forced.stdout
    assert list(dst_var.glob("uploads.before-restore-*"))


# --------------------------------------------------------------------------- damaged archives

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _archive(path: Path, *, files=None, migrations=None, vendor=None, tamper=None) -> Path:
    """A small archive in the format (the database member is opaque to the checks)."""
    vendor = vendor or connection.vendor
    db_member = backup.DB_MEMBERS[vendor]
    db_bytes = b"not really a database"
    files = {"cases/a.pdf": PDF, "appeals/2026/12/b.pdf": PDF + b"b"} if files is None else files
    manifest = {
        "format": backup.FORMAT,
        "created_at": "2026-12-06T00:00:00+00:00",
        "database": {
            "vendor": vendor,
            "member": db_member,
            "size": len(db_bytes),
            "sha256": hashlib.sha256(db_bytes).hexdigest(),
        },
        "migrations": migrations or [],
        "files": [
            {"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            for n, b in files.items()
        ],
        "missing_files": [],
    }
    members = {db_member: db_bytes, **{f"uploads/{n}": b for n, b in files.items()}}
    if tamper:
        tamper(manifest, members)
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def current(db, settings, tmp_path):
    """Data of the current installation that a refused restore must leave as it was."""
    from yingshang.core.models import User

    root = Path(settings.MEDIA_ROOT)
    (root / "cases").mkdir(parents=True)
    (root / "cases" / "mine.pdf").write_bytes(PDF)
    User.objects.create_user(username="keeper", password="x" * 12)
    return root


def _unchanged(root: Path):
    from yingshang.core.models import User

    assert (root / "cases" / "mine.pdf").read_bytes() == PDF
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["mine.pdf"]
    assert User.objects.filter(username="keeper").exists()
    assert not list(root.parent.glob("uploads.before-restore-*"))


def _flip(name):
    def tamper(manifest, members):
        data = bytearray(members[name])
        data[-1] ^= 0x01
        members[name] = bytes(data)

    return tamper


@pytest.mark.parametrize(
    "tamper, message",
    [
        (_flip("uploads/cases/a.pdf"), "uploads/cases/a.pdf 校验和不符"),
        (lambda m, mem: mem.pop("uploads/cases/a.pdf"), "缺少 uploads/cases/a.pdf"),
        (lambda m, mem: mem.update({"uploads/extra.pdf": PDF}), "清单之外的成员"),
        (
            lambda m, mem: m["files"][0].update(name="../../etc/x.pdf"),
            "不安全的文件名 ../../etc/x.pdf",
        ),
        (lambda m, mem: m.update(format="other/9"), "未知的格式"),
        (lambda m, mem: m["database"].update(size=3), "大小不符"),
    ],
    ids=["checksum", "missing", "extra", "unsafe-name", "format", "size"],
)
def test_damaged_archive_is_refused_and_nothing_changes(current, tmp_path, tamper, message):
    path = _archive(tmp_path / "a.tar", tamper=tamper)
    with pytest.raises(backup.BackupError) as exc:
        backup.restore(path, force=True)
    assert "备份文件已损坏或不完整，未做任何改动" in str(exc.value)
    assert message in str(exc.value)
    _unchanged(current)


def test_truncated_and_non_tar_files_are_refused(current, tmp_path):
    good = _archive(tmp_path / "good.tar", files={"cases/big.pdf": PDF * 2000})
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(good.read_bytes()[:40000])
    not_tar = tmp_path / "x.tar"
    not_tar.write_bytes(b"hello")
    for path in (truncated, not_tar):
        with pytest.raises(backup.BackupError, match="备份文件已损坏或不完整"):
            backup.restore(path, force=True)
    with pytest.raises(backup.BackupError, match="找不到备份文件"):
        backup.restore(tmp_path / "nowhere.tar", force=True)
    _unchanged(current)


def test_verify_accepts_a_sound_archive_and_extracts_it(tmp_path, db):
    path = _archive(tmp_path / "a.tar")
    manifest = backup.verify(path, into=tmp_path / "out")
    assert {f["name"] for f in manifest["files"]} == {"cases/a.pdf", "appeals/2026/12/b.pdf"}
    assert (tmp_path / "out" / "uploads" / "cases" / "a.pdf").read_bytes() == PDF


def test_refusals_before_anything_is_replaced(current, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(backup.BackupError, match="不能跨数据库类型恢复"):
        backup.restore(_archive(tmp_path / "v.tar", vendor=other), force=True)
    with pytest.raises(backup.BackupError, match="更新的版本.*cases.9999_future"):
        backup.restore(_archive(tmp_path / "m.tar", migrations=[["cases", "9999_future"]]))
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore(_archive(tmp_path / "d.tar"))  # the database holds data
    _unchanged(current)


def test_backup_refuses_to_overwrite(tmp_path, db):
    existing = tmp_path / "b.tar"
    existing.write_bytes(b"keep")
    with pytest.raises(backup.BackupError, match="不会覆盖"):
        backup.backup(existing)
    assert existing.read_bytes() == b"keep"


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="no PostgreSQL client")
def test_pg_dump_version_is_checked(monkeypatch, db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    fake = subprocess.CompletedProcess([], 0, stdout="pg_dump (PostgreSQL) 9.6.1\n")
    monkeypatch.setattr(backup.subprocess, "run", lambda *a, **k: fake)
    with pytest.raises(backup.BackupError, match="低于数据库服务器版本"):
        backup._tool("pg_dump")
