"""Field-level accuracy of the document parser on the corpus of published programmes
(``tests/reforms/corpus``). Each entry is a text excerpt (``<id>.txt``) or a Word table
(``"kind": "docx"``, built here as OOXML) with a sidecar ``<id>.json`` holding its source and the
tasks expected from reading it. Run ``python -m tests.reforms.corpus_eval`` (with Django set up)
or the test ``test_corpus.py`` to print the table per house style."""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

CORPUS = Path(__file__).parent / "corpus"
FIELDS = ("text", "lead", "partners", "deadline")  # a task fully right


def entries() -> list[dict]:
    out = []
    for p in sorted(CORPUS.glob("*.json")):
        meta = json.loads(p.read_text(encoding="utf-8"))
        meta["id"] = p.stem
        out.append(meta)
    return out


def build_docx(meta: dict) -> bytes:
    """A minimal .docx: a title paragraph and the entry's table. A cell ``None`` continues a
    vertical merge from the cell above (w:vMerge); ``{"span": n, "text": t}`` spans columns."""
    W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def para(text):
        return f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    rows = meta["table"]
    xml_rows = []
    for ri, row in enumerate(rows):
        cells = []
        for ci, cell in enumerate(row):
            pr, text = "", ""
            if cell is None:
                pr = '<w:vMerge w:val="continue"/>'
            elif isinstance(cell, dict):
                pr, text = f'<w:gridSpan w:val="{cell["span"]}"/>', cell["text"]
            else:
                text = cell
                below = rows[ri + 1] if ri + 1 < len(rows) else None
                if below is not None and ci < len(below) and below[ci] is None:
                    pr = '<w:vMerge w:val="restart"/>'
            cells.append(f"<w:tc><w:tcPr>{pr}</w:tcPr>{para(text)}</w:tc>")
        xml_rows.append("<w:tr>" + "".join(cells) + "</w:tr>")
    body = para(meta.get("title_paragraph", "")) + "<w:tbl>" + "".join(xml_rows) + "</w:tbl>"
    document = f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", document)
    return buf.getvalue()


def parse_entry(meta: dict):
    from yingshang.reforms.parsing import parse_document, parse_file

    if meta.get("kind") == "docx":
        return parse_file(f"{meta['id']}.docx", build_docx(meta), year=meta["year"])
    text = (CORPUS / f"{meta['id']}.txt").read_text(encoding="utf-8")
    return parse_document(text, year=meta["year"])


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def compare(meta: dict, result) -> dict:
    """Per expected task: which fields are right. Each expected task is matched to the first
    unused parsed task whose content starts with the expected text; the task count is judged
    per document (``got`` against ``expected``), not charged to every task."""
    expected = meta["tasks"]
    got = list(result.tasks)
    used: set[int] = set()
    rows = []
    for exp in expected:
        ok = {"count": len(got) == len(expected)}
        idx = next(
            (
                i
                for i, t in enumerate(got)
                if i not in used and _squash(t.content).startswith(_squash(exp["text"]))
            ),
            None,
        )
        if idx is None:
            ok.update(lead=False, partners=False, deadline=False, text=False)
            rows.append(ok)
            continue
        used.add(idx)
        t = got[idx]
        ok["text"] = True
        uncertain = set(getattr(t, "uncertain_fields", []) or [])
        if exp.get("lead_uncertain"):
            # No lead named and no convention stated: right when the parser keeps every unit
            # and flags the lead for the reviewer instead of silently choosing one.
            units = list(t.lead_units) + list(t.partner_units)
            ok["lead"] = "lead_units" in uncertain and units == exp["lead"] + exp["partners"]
            ok["partners"] = ok["lead"]
        else:
            ok["lead"] = list(t.lead_units) == exp["lead"]
            ok["partners"] = list(t.partner_units) == exp["partners"]
        want = datetime.date.fromisoformat(exp["deadline"]) if exp["deadline"] else None
        ok["deadline"] = t.deadline == want and t.deadline_kind == exp["kind"]
        rows.append(ok)
    return {"rows": rows, "got": len(got), "expected": len(expected)}


def evaluate() -> dict:
    per_style: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    details = []
    for meta in entries():
        cmp = compare(meta, parse_entry(meta))
        s = per_style[meta["style"]]
        s["documents"] += 1
        s["tasks"] += cmp["expected"]
        s["count_ok"] += int(cmp["got"] == cmp["expected"])
        for ok in cmp["rows"]:
            for f in ("lead", "partners", "deadline"):
                s[f] += int(ok[f])
            s["full"] += int(all(ok[f] for f in FIELDS))
        details.append((meta["id"], cmp))
    total: dict[str, int] = defaultdict(int)
    for s in per_style.values():
        for k, v in s.items():
            total[k] += v
    return {"styles": dict(per_style), "total": dict(total), "details": details}


def table(report: dict) -> str:
    head = f"{'house style':<30}{'docs':>5}{'tasks':>6}{'count':>7}{'lead':>7}{'partners':>9}{'deadline':>9}{'full':>7}"
    lines = [head, "-" * len(head)]

    def pct(a, b):
        return f"{100 * a / b:.0f}%" if b else "-"

    for name, s in sorted(report["styles"].items()) + [("ALL", report["total"])]:
        n = s["tasks"]
        lines.append(
            f"{name:<30}{s['documents']:>5}{n:>6}{pct(s['count_ok'], s['documents']):>7}"
            f"{pct(s['lead'], n):>7}{pct(s['partners'], n):>9}{pct(s['deadline'], n):>9}"
            f"{pct(s['full'], n):>7}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    rep = evaluate()
    print(table(rep))
    for doc_id, cmp in rep["details"]:
        bad = [i + 1 for i, ok in enumerate(cmp["rows"]) if not all(ok.get(f) for f in FIELDS)]
        if bad or cmp["got"] != cmp["expected"]:
            print(f"  {doc_id}: got {cmp['got']} of {cmp['expected']} tasks; wrong: {bad}")
