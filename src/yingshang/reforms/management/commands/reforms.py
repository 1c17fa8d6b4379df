"""``yingshang reforms``: parse, import, create a programme, run the daily sweep."""

import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yingshang.platform.audit import audit_context


class Command(BaseCommand):
    help = "Reform-task supervision: parse / import programme files, create programmes, sweep."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("parse", help="print what a file would import, writing nothing")
        p.add_argument("file")
        p.add_argument("--year", type=int, help="the programme's year (relative deadlines)")
        p.add_argument("--json", action="store_true", help="JSON list of tasks")

        i = sub.add_parser("import", help="import a file into a programme (all or nothing)")
        i.add_argument("file")
        i.add_argument("--programme", type=int, required=True, help="programme id")
        i.add_argument(
            "--accept-fuzzy",
            action="store_true",
            help="accept proposed matches for unit names that are not exact",
        )

        c = sub.add_parser("create-programme", help="create an empty programme")
        c.add_argument("--title", required=True)
        c.add_argument("--issue-date", required=True, help="YYYY-MM-DD")
        c.add_argument("--doc-number", default="")
        c.add_argument("--division", default=None, help="division code (default: the city)")
        c.add_argument("--cycle", default="monthly")

        s = sub.add_parser("sweep", help="recompute task states and send due reminders")
        s.add_argument("--date", default=None, help="as of YYYY-MM-DD (default today)")

    def handle(self, *args, **options):
        with audit_context(channel="cli"):
            return getattr(self, "do_" + options["action"].replace("-", "_"))(options)

    def do_parse(self, options):
        from yingshang.reforms.parsing import parse_file

        try:
            result = parse_file(options["file"], year=options["year"])
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(
                json.dumps([t.as_json() for t in result.tasks], ensure_ascii=False, indent=2)
            )
        else:
            for t in result.tasks:
                flag = f"  [待确认: {','.join(t.uncertain_fields)}]" if t.uncertain_fields else ""
                self.stdout.write(
                    f"{t.number:>6}  {t.deadline or t.deadline_text or '-'!s:<12} "
                    f"{'、'.join(t.lead_units)}  {t.content[:40]}{flag}"
                )
            self.stdout.write(f"{len(result.tasks)} tasks, year {result.year}")
        for e in result.errors:
            self.stderr.write(str(e))
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s)")

    def do_import(self, options):
        from yingshang.reforms import matching, services
        from yingshang.reforms.models import Programme
        from yingshang.reforms.parsing import parse_file

        programme = Programme.objects.filter(pk=options["programme"]).first()
        if programme is None:
            raise CommandError(f"programme {options['programme']} does not exist")
        try:
            result = parse_file(options["file"], year=programme.year)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        preview = services.preview_import(programme, result)
        for m in preview.matches.values():
            if m.status in (matching.ALIAS, matching.FUZZY):
                self.stdout.write(f"? {m.name} → {m.department_name} ({m.status}, {m.score:.2f})")
            elif m.status == matching.COLLECTIVE:
                self.stdout.write(f"· {m.name} (collective, kept as text)")
        for w in preview.warnings:
            self.stdout.write(f"! {w}")
        try:
            tasks = services.import_tasks(programme, result, accept_fuzzy=options["accept_fuzzy"])
        except ValidationError as exc:
            for msg in exc.messages:
                self.stderr.write(msg)
            if preview.to_confirm and not options["accept_fuzzy"]:
                self.stderr.write("unit names need confirmation: rerun with --accept-fuzzy")
            raise CommandError("nothing imported") from exc
        self.stdout.write(self.style.SUCCESS(f"imported {len(tasks)} tasks into {programme}"))

    def do_create_programme(self, options):
        from django.conf import settings

        from yingshang.core.models import Division
        from yingshang.reforms import services

        code = options["division"] or settings.YINGSHANG_CITY_CODE
        division = Division.objects.filter(code=code).first()
        if division is None:
            raise CommandError(f"division {code} does not exist")
        try:
            p = services.create_programme(
                title=options["title"],
                doc_number=options["doc_number"],
                issue_date=datetime.date.fromisoformat(options["issue_date"]),
                division=division,
                reporting_cycle=options["cycle"],
            )
        except (ValidationError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(p.pk))

    def do_sweep(self, options):
        from yingshang.reforms import services

        day = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        r = services.sweep(today=day)
        self.stdout.write(f"tasks {r.tasks}, state changes {r.changed}, reminders {r.reminders}")
