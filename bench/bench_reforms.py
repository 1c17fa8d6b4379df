"""Benchmark: parsing reform programmes (no database).

    .venv/bin/python bench/bench_reforms.py [--repeat R]

Times the document parser on the demo programme (35 measures, 102 tasks) and on a five-fold
programme (175 measures, 510 tasks), and the spreadsheet parser on a 1,020-row .xlsx with a
merged measure column. Reports the median of R runs.
"""

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingshang.settings")


def timed(fn, repeat):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import django

    django.setup()
    from openpyxl import Workbook

    from yingshang.demo.reforms import programme_text
    from yingshang.reforms.parsing import parse_document, parse_file

    text = programme_text(date(2019, 1, 10))
    head, body = text.splitlines()[:5], text.splitlines()[5:]
    big, n = list(head), 0
    for _copy in range(5):  # headings repeat; task numbers continue (1–510)
        for ln in body:
            if ln[:1].isdigit():
                n += 1
                ln = f"{n}." + ln.split(".", 1)[1]
            big.append(ln)
    big_text = "\n".join(big)

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "政策措施", "任务内容", "牵头领导", "牵头单位", "参与/配合单位", "完成时限"])
    for i in range(1, 1021):
        ws.append(
            [
                i,
                f"{(i - 1) // 3 + 1}、措施",
                f"任务{i}\n第二行",
                "王某某\n副市长",
                "市发展改革委",
                "市财政局、市商务局\n市税务局",
                "2019年12月底前",
            ]
        )
    for start in range(2, 1022, 3):
        ws.merge_cells(start_row=start, end_row=start + 2, start_column=2, end_column=2)
    buf = io.BytesIO()
    wb.save(buf)
    xlsx = buf.getvalue()

    for label, fn, expect in [
        ("document, 102 tasks", lambda: parse_document(text, 2019), 102),
        ("document, 510 tasks", lambda: parse_document(big_text, 2019), 510),
        ("xlsx, 1,020 rows", lambda: parse_file("big.xlsx", xlsx, 2019), 1020),
    ]:
        seconds, result = timed(fn, args.repeat)
        assert not result.errors, result.errors[:3]
        if expect:
            assert len(result.tasks) == expect, len(result.tasks)
        print(f"{label:<24} {len(result.tasks):>5} tasks  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
