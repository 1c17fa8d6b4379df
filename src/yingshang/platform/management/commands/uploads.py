"""``yingshang uploads sweep [--older-than SECONDS] [--dry-run]``: remove uploaded files no row
names (see ``yingshang.platform.uploads.sweep``)."""

from django.core.management.base import BaseCommand

from yingshang.platform import uploads


class Command(BaseCommand):
    help = "Uploaded files: sweep removes files older than an hour that no row refers to."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser("sweep", help="remove unreferenced files")
        sweep.add_argument(
            "--older-than",
            type=float,
            default=3600,
            help="only files at least this many seconds old (default 3600)",
        )
        sweep.add_argument("--dry-run", action="store_true", help="list, remove nothing")

    def handle(self, *args, action, older_than, dry_run, **options):
        result = uploads.sweep(older_than=older_than, dry_run=dry_run)
        if options["verbosity"] > 1:
            for name in result.removed:
                self.stdout.write(f"removed {name}")
            for name in result.recovered:
                self.stdout.write(f"moved into place {name}")
        self.stdout.write(("[dry run] " if dry_run else "") + str(result))
