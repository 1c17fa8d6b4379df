"""``yingshang restore ARCHIVE [--force]``: put back what ``yingshang backup`` wrote — the
database and the uploaded files (``yingshang.platform.backup``; docs/operations.md).

The archive is checked in full first (every member's SHA-256); a damaged one is refused and
nothing is changed. A database that already holds data is replaced only with ``--force``; the
previous upload directory is kept beside the new one (``uploads.before-restore-<time>``).
Stop the web server and the worker first."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yingshang.platform import backup


class Command(BaseCommand):
    help = "Restore the database and the uploaded files from a `yingshang backup` archive."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that holds data (its current content is lost), and "
            "restore an archive made by a newer version",
        )

    def handle(self, *args, archive, force, **options):
        try:
            manifest = backup.restore(Path(archive), force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {archive}: {manifest['database']['vendor']} database of "
            f"{manifest['created_at']}, {len(manifest['files'])} files"
        )
        self.stdout.write("next: yingshang migrate (if this version has newer migrations)")
