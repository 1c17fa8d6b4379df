from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yingshang.catalog import excel
from yingshang.platform.audit import audit_context


class Command(BaseCommand):
    help = "Export or import the service catalog Excel template: catalog export|import FILE.xlsx"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="write all items (current versions) to FILE.xlsx")
        exp.add_argument("file")
        imp = sub.add_parser("import", help="import FILE.xlsx (all or nothing)")
        imp.add_argument("file")

    def handle(self, *args, action, file, **options):
        path = Path(file)
        if action == "export":
            path.write_bytes(excel.export_workbook())
            self.stdout.write(self.style.SUCCESS(f"exported to {path}"))
            return
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        with audit_context(channel="import"):
            try:
                result = excel.import_workbook(path.read_bytes())
            except ValidationError as exc:
                for line in exc.messages:
                    self.stderr.write(line)
                raise CommandError("import refused; nothing was written") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"imported: created {result.created}, updated {result.updated}, "
                f"new versions {result.new_versions}, unchanged {result.unchanged}"
            )
        )
