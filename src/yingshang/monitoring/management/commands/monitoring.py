"""`yingshang monitoring …`: score benchmark CSV files, load them as 对标 data, check the
indicator definition file.

    yingshang monitoring score FILE.csv [--json]
    yingshang monitoring load-benchmarks FILE.csv --period 2020 [--source TEXT]
    yingshang monitoring check-definitions [FILE.toml]
    yingshang monitoring recompute [--from YYYY-MM-DD --to YYYY-MM-DD] [--kinds day,month]
    yingshang monitoring report --month 2026-10
    yingshang monitoring xes --out FILE.xes [--item CODE --from --to]

Bad input is refused with row numbers and exit status 2; nothing is stored.
"""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from yingshang.platform.audit import audit_context

from ... import benchmarks, services
from ...definitions import DB_TOPICS, DefinitionError, load_definitions, parse_definitions


class Command(BaseCommand):
    help = "Monitoring (营商环境监测): score / load-benchmarks / check-definitions."

    def add_arguments(self, parser):
        parser.add_argument("--lang", choices=["zh-hans", "en"], help="message language")
        sub = parser.add_subparsers(dest="subcommand", required=True)
        score = sub.add_parser(
            "score", help="score a benchmark CSV (entity,indicator,value[,weight])"
        )
        score.add_argument("file")
        score.add_argument("--json", action="store_true", help="print JSON")
        load = sub.add_parser("load-benchmarks", help="store a benchmark CSV as 对标 data")
        load.add_argument("file")
        load.add_argument("--period", required=True, help="e.g. 2020 (the DB report year)")
        load.add_argument("--source", default="", help="where the figures come from")
        check = sub.add_parser("check-definitions", help="validate an indicator definition file")
        check.add_argument("file", nargs="?")
        rec = sub.add_parser("recompute", help="recompute the indicator time series")
        rec.add_argument("--from", dest="start", help="first day (default: a year ago)")
        rec.add_argument("--to", dest="end", help="last day (default: yesterday)")
        rec.add_argument("--kinds", default="day,week,month,quarter,year")
        rep = sub.add_parser("report", help="generate the monthly report (Excel and PDF)")
        rep.add_argument("--month", required=True, help="YYYY-MM")
        xes = sub.add_parser("xes", help="export the case event log as XES (IEEE 1849)")
        xes.add_argument("--out", required=True)
        xes.add_argument("--item", help="catalog basic code")
        xes.add_argument("--from", dest="start")
        xes.add_argument("--to", dest="end")

    def handle(self, *args, **options):
        lang = options.get("lang")
        if not lang:
            lang = "en" if os.environ.get("LANG", "").lower().startswith("en") else "zh-hans"
        with translation.override(lang):
            sub = options["subcommand"]
            if sub == "check-definitions":
                return self._check(options)
            if sub in ("recompute", "report", "xes"):
                return getattr(self, f"_{sub}")(options)
            defs = self._definitions()
            rows = self._read(options["file"], defs)
            if sub == "score":
                self._score(rows, defs, options["json"])
            else:
                with audit_context(channel="cli"):
                    n = services.load_benchmarks(
                        rows, period=options["period"], source=options["source"]
                    )
                self.stdout.write(
                    _("已导入 %(n)d 条对标数据（期间 %(period)s）。")
                    % {"n": n, "period": options["period"]}
                )

    def _definitions(self):
        try:
            return load_definitions()
        except DefinitionError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(_("指标定义文件无效。"), returncode=2) from exc

    def _read(self, path, defs):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(
                _("无法读取文件 %(path)s: %(err)s") % {"path": path, "err": exc.strerror},
                returncode=2,
            ) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(
                _("文件 %(path)s 不是 UTF-8 编码。") % {"path": path}, returncode=2
            ) from exc
        try:
            return benchmarks.parse(text, defs)
        except benchmarks.BenchmarkFileError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(
                _("文件 %(path)s 有 %(n)d 处错误，已拒绝，未保存任何数据。")
                % {"path": path, "n": len(exc.errors)},
                returncode=2,
            ) from exc

    def _check(self, options):
        try:
            if options.get("file"):
                p = Path(options["file"])
                defs = parse_definitions(p.read_text(encoding="utf-8"), p)
            else:
                defs = load_definitions()
        except OSError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except DefinitionError as exc:
            for message in exc.errors:
                self.stderr.write(message)
            raise CommandError(_("指标定义文件无效。"), returncode=2) from exc
        self.stdout.write(
            _("指标定义有效：版本 %(v)s, %(n)d 个指标。")
            % {"v": defs.version, "n": len(defs.indicators)}
        )

    def _score(self, rows, defs, as_json):
        result = benchmarks.score(rows, defs)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for entity, data in result["entities"].items():
            head = entity if data["weight"] is None else f"{entity}  (weight {data['weight']:g})"
            self.stdout.write(head)
            self._topics(defs, data["topics"])
        for parent, data in result["parents"].items():
            cities = ", ".join(f"{c} {w:g}" for c, w in data["cities"].items())
            self.stdout.write(
                _("%(parent)s  （人口加权：%(cities)s）") % {"parent": parent, "cities": cities}
            )
            self._topics(defs, data["topics"])

    def _topics(self, defs, topics):
        if not topics:
            self.stdout.write("  " + _("无完整专题数据"))
        for topic in DB_TOPICS:
            if topic not in topics:
                continue
            t = topics[topic]
            name = defs.indicators[topic].name_zh
            line = f"  {topic:<3} {t['score']:8.4f}  {name}"
            if t.get("published") is not None and t["components"]:
                line += "  " + _("（公布值 %(p).4f）") % {"p": t["published"]}
            elif t.get("published") is not None:
                line += "  " + _("（公布值）")
            self.stdout.write(line)
            for key, value in t["components"].items():
                self.stdout.write(f"      {key:<22} {value:8.4f}")

    @staticmethod
    def _date(text, name):
        import datetime

        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(
                _("%(name)s 日期格式应为 YYYY-MM-DD: %(v)s") % {"name": name, "v": text},
                returncode=2,
            ) from exc

    def _recompute(self, options):
        from ...compute import default_range, recompute
        from ...periods import KINDS

        start, end = default_range()
        start = self._date(options["start"], "--from") or start
        end = self._date(options["end"], "--to") or end
        kinds = tuple(k.strip() for k in options["kinds"].split(",") if k.strip())
        bad = [k for k in kinds if k not in KINDS]
        if bad or end < start:
            raise CommandError(
                _("参数无效：%(bad)s") % {"bad": ", ".join(bad) or "--to < --from"}, returncode=2
            )
        summary = recompute(start, end, kinds)
        self.stdout.write(str(summary))

    def _report(self, options):
        from ...forms import MONTH_MESSAGE
        from ...reports import generate, parse_month

        try:
            month = parse_month(options["month"])
        except ValueError as exc:
            # the pages' message, in the command's language (was Python's English text)
            raise CommandError(str(MONTH_MESSAGE), returncode=2) from exc
        with audit_context(channel="cli"):
            for path in generate(month):
                self.stdout.write(str(path))

    def _xes(self, options):
        from ...process import write_xes

        start = self._date(options["start"], "--from")
        end = self._date(options["end"], "--to")
        with open(options["out"], "w", encoding="utf-8") as out:
            n = write_xes(out, item=options["item"], start=start, end=end)
        self.stdout.write(_("已导出 %(n)d 个事件到 %(path)s") % {"n": n, "path": options["out"]})
