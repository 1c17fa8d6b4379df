"""Backup and restore of a running installation: the database and the uploaded files, in one
archive (``yingshang backup``, ``yingshang restore``; the manual is docs/operations.md).

An archive is an uncompressed tar file:

* ``manifest.json`` — format, created at, yingshang version, database vendor and server
  version, the migrations applied in the copy, and every other member with its size and
  SHA-256;
* ``database.sqlite3`` (SQLite's online backup API: a consistent copy while others write) or
  ``database.pgdump`` (``pg_dump -Fc`` in the snapshot exported by a REPEATABLE READ
  transaction);
* ``uploads/<name>`` — every uploaded file a row of that copy names.

**Consistency.** The file names are read from the database copy itself (SQLite) or in the very
snapshot ``pg_dump`` dumps (PostgreSQL), and the files are copied after it. A file is moved into
place when its row commits (``platform.uploads``), so every file a committed row names exists —
under its name, or for an instant still under ``.incoming/``, where it is looked for too. Files
of rows written after the snapshot are not in the archive, and neither are their rows.

**Restore** checks everything first — the manifest, every member's size and SHA-256, the
vendor, the migrations — and only then replaces anything: a damaged archive is refused with the
member that is wrong and the current data is left as it is. The database is replaced in one
step (SQLite's backup API into the database file; one ``psql --single-transaction`` that drops
and recreates the schema on PostgreSQL); the upload directory is swapped by renames, the old one
kept beside it as ``uploads.before-restore-<time>``. A database that holds data is replaced only
with ``force=True``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "yingshang-backup/1"
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DB_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (translated)."""


@dataclass
class Result:
    path: Path
    manifest: dict
    missing: list[str] = field(default_factory=list)

    def __str__(self):
        m = self.manifest
        size = sum(f["size"] for f in m["files"])
        return _("%(path)s：数据库（%(vendor)s）%(db)d 字节，文件 %(n)d 个 %(size)d 字节") % {
            "path": self.path,
            "vendor": m["database"]["vendor"],
            "db": m["database"]["size"],
            "n": len(m["files"]),
            "size": size,
        }


# --------------------------------------------------------------------------- helpers


def _sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(_("不支持备份此数据库：%(vendor)s") % {"vendor": vendor})
    return vendor


def _reference_columns() -> list[tuple[str, str]]:
    from yingshang.platform.uploads import reference_fields

    return sorted({(m._meta.db_table, f.column) for m, f in reference_fields()})


def _pg_env() -> dict:
    """libpq's environment for the default database (the password never on a command line)."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, var in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[var] = str(db[key])
    for opt, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if db.get("OPTIONS", {}).get(opt):
            env[var] = str(db["OPTIONS"][opt])
    return env


def _tool(name: str) -> str:
    """``pg_dump``/``pg_restore``/``psql`` of a major version at least the server's."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("找不到 %(tool)s：请安装 PostgreSQL 客户端（与服务器同一主版本）。") % {"tool": name}
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    client = int(match.group(1)) if match else 0
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if client < server:
        raise BackupError(
            _(
                "%(tool)s 版本 %(client)s 低于数据库服务器版本 %(server)s，请安装相同主版本的客户端。"
            )
            % {"tool": name, "client": client, "server": server}
        )
    return path


def _run(cmd: list[str], env: dict, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, env=env, capture_output=True, **kw)
    if done.returncode:
        err = (
            done.stderr.decode(errors="replace") if isinstance(done.stderr, bytes) else done.stderr
        )
        raise BackupError(
            _("%(tool)s 失败：%(error)s")
            % {"tool": Path(cmd[0]).name, "error": (err or "").strip()[-2000:]}
        )
    return done


def _server_version() -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version"
        )
        return str(cur.fetchone()[0])


def _code_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --------------------------------------------------------------------------- backup


def _snapshot_sqlite(dest: Path) -> tuple[list[str], list[list[str]]]:
    """Copy the database with the online backup API; the names and migrations from the copy."""
    name = str(settings.DATABASES["default"]["NAME"])
    if name in ("", ":memory:") or "mode=memory" in name:
        raise BackupError(_("内存中的 SQLite 数据库无法备份。"))
    src = sqlite3.connect(name, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # One step: one read transaction (WAL: writers go on meanwhile). In several steps a
        # write by another connection would restart the copy, forever under steady writes.
        src.backup(dst)
    finally:
        src.close()
    try:
        return _read_snapshot(dst.execute)
    finally:
        dst.close()


def _read_snapshot(execute) -> tuple[list[str], list[list[str]]]:
    names: set[str] = set()
    for table, column in _reference_columns():
        q = connection.ops.quote_name
        for (value,) in execute(
            f"SELECT {q(column)} FROM {q(table)} WHERE {q(column)} IS NOT NULL AND {q(column)} <> ''"
        ):
            names.add(value)
    migrations = [list(r) for r in execute("SELECT app, name FROM django_migrations ORDER BY id")]
    return sorted(names), migrations


def _snapshot_postgresql(dest: Path) -> tuple[list[str], list[list[str]]]:
    """``pg_dump -Fc`` of the snapshot a REPEATABLE READ transaction exports; the names and
    migrations read in that transaction, so they are exactly the dump's."""
    import psycopg

    pg_dump = _tool("pg_dump")
    env = _pg_env()
    with psycopg.connect("", autocommit=False, **_psycopg_params()) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        _run(
            [
                pg_dump,
                "-Fc",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "-f",
                str(dest),
            ],
            env,
        )
        result = _read_snapshot(lambda sql: conn.execute(sql).fetchall())
        conn.rollback()
    return result


def _psycopg_params() -> dict:
    db = settings.DATABASES["default"]
    params = {
        "dbname": db["NAME"],
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
    }
    for opt in ("sslmode", "sslrootcert"):
        if db.get("OPTIONS", {}).get(opt):
            params[opt] = db["OPTIONS"][opt]
    return {k: v for k, v in params.items() if v is not None}


def _find_file(root: Path, name: str, wait: float) -> Path | None:
    """The file of a committed row: in place, or still staged (moved an instant later)."""
    from yingshang.platform.uploads import STAGING

    deadline = time.monotonic() + wait
    while True:
        for path in (root / name, root / STAGING / name):
            if path.is_file():
                return path
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.1)


def default_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"yingshang-{stamp}.tar"


def backup(path: Path | None = None, *, wait_for_files: float = 5.0) -> Result:
    """Write an archive of the database and the uploaded files it names to ``path`` (a new
    file; written as ``<path>.partial`` and renamed when complete)."""
    vendor = _vendor()
    path = Path(path or default_path())
    if path.exists():
        raise BackupError(_("%(path)s 已存在，不会覆盖。") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=path.parent) as tmp:
        db_file = Path(tmp) / DB_MEMBERS[vendor]
        if vendor == "sqlite":
            names, migrations = _snapshot_sqlite(db_file)
        else:
            names, migrations = _snapshot_postgresql(db_file)
        db_sha, db_size = _sha256(db_file)
        files, missing = [], []
        partial = path.with_name(path.name + ".partial")
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                tar.add(db_file, arcname=DB_MEMBERS[vendor], recursive=False)
                for name in names:
                    src = _find_file(root, name, wait_for_files)
                    if src is None:
                        missing.append(name)
                        continue
                    # hash what is archived: read once, stream into the tar and the digest
                    sha, size = _add_file(tar, src, f"{UPLOADS}/{name}")
                    files.append({"name": name, "size": size, "sha256": sha})
                manifest = {
                    "format": FORMAT,
                    "created_at": created.isoformat(),
                    "yingshang_version": _version(),
                    "database": {
                        "vendor": vendor,
                        "server_version": _server_version(),
                        "member": DB_MEMBERS[vendor],
                        "size": db_size,
                        "sha256": db_sha,
                    },
                    "migrations": migrations,
                    "files": files,
                    "missing_files": missing,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                _add_bytes(tar, MANIFEST, data)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return Result(path, manifest, missing)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("yingshang")
    except PackageNotFoundError:
        return "unknown"


class _HashingReader:
    def __init__(self, fh):
        self.fh, self.digest, self.size = fh, hashlib.sha256(), 0

    def read(self, n=-1):
        data = self.fh.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, src: Path, arcname: str) -> tuple[str, int]:
    with open(src, "rb") as fh:
        info = tar.gettarinfo(fileobj=fh, arcname=arcname)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(fh)
        tar.addfile(info, reader)
    return reader.digest.hexdigest(), reader.size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o640
    tar.addfile(info, io.BytesIO(data))


# --------------------------------------------------------------------------- verify


def _damaged(reason: str) -> BackupError:
    return BackupError(_("备份文件已损坏或不完整，未做任何改动：%(reason)s") % {"reason": reason})


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name


def verify(path: Path, into: Path | None = None) -> dict:
    """Check an archive: the manifest, and every member's size and SHA-256 against it; with
    ``into``, extract the members there as they are checked. Returns the manifest; raises
    ``BackupError`` naming the first thing that is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("找不到备份文件 %(path)s。") % {"path": path})
    try:
        tar = tarfile.open(path, "r:")
    except (tarfile.TarError, OSError) as exc:
        raise _damaged(_("不是 tar 文件（%(error)s）") % {"error": exc}) from exc
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise _damaged(str(exc) or _("文件被截断")) from exc
        by_name = {m.name: m for m in members}
        if len(by_name) != len(members):
            raise _damaged(_("成员重复"))
        if MANIFEST not in by_name:
            raise _damaged(_("缺少 manifest.json"))
        try:
            manifest = json.loads(tar.extractfile(by_name[MANIFEST]).read())
            vendor = manifest["database"]["vendor"]
            expected = {
                manifest["database"]["member"]: (
                    manifest["database"]["size"],
                    manifest["database"]["sha256"],
                )
            }
            for f in manifest["files"]:
                if not _safe_name(f["name"]):
                    raise _damaged(_("不安全的文件名 %(name)s") % {"name": f["name"]})
                expected[f"{UPLOADS}/{f['name']}"] = (f["size"], f["sha256"])
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, tarfile.TarError, OSError) as exc:
            raise _damaged(_("manifest.json 无法读取（%(error)s）") % {"error": exc}) from exc
        if manifest.get("format") != FORMAT:
            raise _damaged(_("未知的格式 %(format)s") % {"format": manifest.get("format")})
        if manifest["database"]["member"] != DB_MEMBERS.get(vendor):
            raise _damaged(_("未知的数据库类型 %(vendor)s") % {"vendor": vendor})
        extra = set(by_name) - set(expected) - {MANIFEST}
        if extra:
            raise _damaged(_("清单之外的成员 %(name)s") % {"name": sorted(extra)[0]})
        for name, (size, sha) in expected.items():
            member = by_name.get(name)
            if member is None:
                raise _damaged(_("缺少 %(name)s") % {"name": name})
            if not member.isfile() or member.size != size:
                raise _damaged(_("%(name)s 大小不符") % {"name": name})
            digest = hashlib.sha256()
            out = None
            if into is not None:
                target = Path(into) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                out = open(target, "wb")
            try:
                fh = tar.extractfile(member)
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    if out is not None:
                        out.write(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise _damaged(
                    _("%(name)s 无法读取（%(error)s）") % {"name": name, "error": exc}
                ) from exc
            finally:
                if out is not None:
                    out.close()
            if digest.hexdigest() != sha:
                raise _damaged(_("%(name)s 校验和不符") % {"name": name})
    return manifest


# --------------------------------------------------------------------------- restore


def _has_data() -> bool:
    """Whether the current database holds data: any account (a database just made by
    ``yingshang migrate`` has none), or tables that are not this project's."""
    tables = connection.introspection.table_names()
    if not tables:
        return False
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if User._meta.db_table not in tables:
        return True
    try:
        return User.objects.exists()
    except Exception:  # noqa: BLE001 - an unreadable schema counts as data
        return True


def restore(path: Path, *, force: bool = False) -> dict:
    """Replace the database and the upload directory with an archive's (see the module's
    docstring). Returns the manifest."""
    vendor = _vendor()
    root = Path(settings.MEDIA_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=root.parent) as tmp:
        manifest = verify(path, into=Path(tmp))
        if manifest["database"]["vendor"] != vendor:
            raise BackupError(
                _("备份来自 %(theirs)s 数据库，当前是 %(ours)s：不能跨数据库类型恢复。")
                % {"theirs": manifest["database"]["vendor"], "ours": vendor}
            )
        unknown = {tuple(m) for m in manifest["migrations"]} - _code_migrations()
        if unknown and not force:
            app, name = sorted(unknown)[0]
            raise BackupError(
                _(
                    "备份来自更新的版本（迁移 %(app)s.%(name)s 本版本没有）；请先升级，或用 --force。"
                )
                % {"app": app, "name": name}
            )
        if _has_data() and not force:
            raise BackupError(_("当前数据库已有数据；要用备份替换它，请加 --force。"))
        db_file = Path(tmp) / manifest["database"]["member"]
        if vendor == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgresql(db_file)
        _swap_uploads(Path(tmp) / UPLOADS, root)
    return manifest


def _restore_sqlite(db_file: Path) -> None:
    name = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    src = sqlite3.connect(db_file)
    dst = sqlite3.connect(name, timeout=30)
    try:
        src.backup(dst)  # one step: replaces every page under the database lock
    finally:
        src.close()
        dst.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    env = _pg_env()
    connection.close()
    sql = _run([pg_restore, "--no-owner", "--no-privileges", "-f", "-", str(dump)], env).stdout
    # One transaction: the old schema is dropped only if the whole dump then loads.
    script = (
        b"\\set ON_ERROR_STOP on\n"
        b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n" + sql
    )
    _run(
        [psql, "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-f", "-"],
        env,
        input=script,
    )


def _swap_uploads(new: Path, root: Path) -> None:
    new.mkdir(parents=True, exist_ok=True)
    for d in [new, *(p for p in new.rglob("*") if p.is_dir())]:
        d.chmod(0o750)
    for f in new.rglob("*"):
        if f.is_file():
            f.chmod(0o640)
    if root.exists():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        old = root.with_name(f"{root.name}.before-restore-{stamp}")
        os.replace(root, old)
        with contextlib.suppress(OSError):
            if not any(old.iterdir()):
                old.rmdir()
    os.replace(new, root)
