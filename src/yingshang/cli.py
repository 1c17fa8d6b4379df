"""The `yingshang` console script: this project's manage.py.

Start-up failures (a malformed or unreachable DATABASE_URL) print one readable line, not a
traceback, and exit with status 2.
"""

import os
import re
import sys

NO_DB_COMMANDS = {"help", "--help", "-h", "version", "--version", "makemessages", "compilemessages"}


def _redact(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _fail(message: str) -> None:
    print(f"yingshang: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")
    url = os.environ.get("DATABASE_URL", "")
    try:
        import django

        django.setup()
    except ValueError as exc:  # dj-database-url rejects an unknown scheme
        _fail(f"DATABASE_URL {_redact(url)!r} is not a database URL ({exc}).")
    except Exception as exc:  # noqa: BLE001 - any configuration error gets one line
        _fail(f"configuration error: {exc}")

    command = argv[1] if len(argv) > 1 else "help"
    if command not in NO_DB_COMMANDS:
        from django.db import connection
        from django.db.utils import OperationalError

        try:
            connection.ensure_connection()
        except OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _fail(f"cannot reach the database {_redact(url) or 'sqlite'}: {reason}")

    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
