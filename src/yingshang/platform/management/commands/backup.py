"""``yingshang backup [PATH]``: one archive of the database and the uploaded files, made while
the platform serves (``yingshang.platform.backup``; the manual is docs/operations.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yingshang.platform import backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive (safe while serving)."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="the archive to write (default: var/backups/yingshang-<UTC time>.tar)",
        )
        parser.add_argument(
            "--verify",
            metavar="ARCHIVE",
            help="only check an existing archive (checksums of every member); change nothing",
        )

    def handle(self, *args, path=None, verify=None, **options):
        try:
            if verify:
                manifest = backup.verify(Path(verify))
                self.stdout.write(
                    f"{verify}: OK ({manifest['database']['vendor']}, "
                    f"{len(manifest['files'])} files, {manifest['created_at']})"
                )
                return
            result = backup.backup(Path(path) if path else None)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in result.missing:
            self.stderr.write(f"warning: file named by a row is missing: {name}")
        self.stdout.write(str(result))
