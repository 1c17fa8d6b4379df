"""``yingshang calendar``: seed, show and confirm the working-day calendar (工作日历).

yingshang calendar seed --years 2019-2027 [--confirm]
yingshang calendar show 2026
yingshang calendar confirm 2026
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yingshang.platform.audit import audit_context
from yingshang.workdays import calendar as workdays
from yingshang.workdays import services as calendar_services


def parse_years(text: str) -> list[int]:
    """``2026``, ``2019-2027`` or ``2019,2021-2023`` → sorted years."""
    years: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if last < first:
                    raise ValueError(part)
                years.update(range(first, last + 1))
            else:
                years.add(int(part))
    except ValueError:
        raise CommandError(
            f"invalid --years {text!r}: use e.g. 2026, 2019-2027 or 2019,2021"
        ) from None
    if not years:
        raise CommandError("no years given")
    return sorted(years)


class Command(BaseCommand):
    help = "Working-day calendar: seed years from the holidays library, show or confirm a year."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser("seed", help="seed years from the holidays library (idempotent)")
        seed.add_argument("--years", required=True, help="e.g. 2019-2027 or 2025,2026")
        seed.add_argument(
            "--confirm",
            action="store_true",
            help="confirm the years whose State Council arrangement the library carries",
        )
        show = sub.add_parser("show", help="print a year's status, exceptions and month grid")
        show.add_argument("year", type=int)
        confirm = sub.add_parser("confirm", help="confirm a year's arrangement")
        confirm.add_argument("year", type=int)

    def handle(self, *args, **options):
        action = options["action"]
        with audit_context(channel="command"):
            try:
                getattr(self, f"do_{action}")(options)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None

    def do_seed(self, options):
        conflicts = 0
        for year in parse_years(options["years"]):
            result = calendar_services.seed_year_from_library(year, confirm=options["confirm"])
            state = "confirmed" if result.confirmed else "PROVISIONAL"
            published = "published" if result.published else "not published in library"
            line = (
                f"{year}: {result.status:<9} +{result.created} ~{result.updated} "
                f"-{result.deleted}  [{state}; {published}]"
            )
            if result.status == "conflict":
                conflicts += 1
                self.stdout.write(self.style.WARNING(f"{line}  {result.message}"))
            else:
                self.stdout.write(line)
        if conflicts:
            self.stdout.write(self.style.WARNING(f"{conflicts} confirmed year(s) left unchanged"))

    def do_confirm(self, options):
        year = options["year"]
        if not calendar_services.library_has_arrangement(year):
            self.stdout.write(
                self.style.WARNING(
                    f"{year}: the holidays library does not carry this year's State Council "
                    "arrangement; check the stored days against the published notice."
                )
            )
        if calendar_services.confirm_year(year):
            self.stdout.write(self.style.SUCCESS(f"{year}: confirmed"))
        else:
            self.stdout.write(f"{year}: already confirmed")

    def do_show(self, options):
        year = options["year"]
        overview = workdays.year_overview(year)
        if not overview["supported"]:
            raise CommandError(
                f"year {year} is outside the calendar ({workdays.FIRST_YEAR}–{workdays.LAST_YEAR})"
            )
        if not overview["known"]:
            status = "PROVISIONAL (no arrangement stored; Monday–Friday assumed)"
        elif overview["provisional"]:
            status = "PROVISIONAL (arrangement not confirmed)"
        else:
            status = "confirmed"
        out = self.stdout
        out.write(f"{year}  {status}")
        if overview.get("source"):
            out.write(f"source: {overview['source']}")
        out.write(f"working days: {overview['working_days']}  rest days: {overview['rest_days']}")
        out.write("weekday holidays:")
        for d in overview["holidays"]:
            out.write(f"  {d['date']} {d['date']:%a}  {d['name']}")
        out.write("weekend make-up working days (调休):")
        for d in overview["makeup_days"]:
            out.write(f"  {d['date']} {d['date']:%a}  {d['name']}")
        out.write("")
        out.write("legend: dd working · (dd) rest · [dd] holiday · <dd> make-up working day")
        for month in overview["months"]:
            out.write(f"{datetime.date(year, month['number'], 1):%B}".center(28))
            out.write(" Mo  Tu  We  Th  Fr  Sa  Su")
            for week in month["weeks"]:
                cells = []
                for cell in week:
                    if cell is None:
                        cells.append("    ")
                    elif cell["kind"] == "holiday":
                        cells.append(f"[{cell['day']:2d}]")
                    elif cell["kind"] == "makeup":
                        cells.append(f"<{cell['day']:2d}>")
                    elif cell["kind"] == "weekend":
                        cells.append(f"({cell['day']:2d})")
                    else:
                        cells.append(f" {cell['day']:2d} ")
                out.write("".join(cells).rstrip())
