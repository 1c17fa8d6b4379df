"""Reading reform programmes as they are issued: policy documents (plain text or .docx) and task
spreadsheets (.xlsx / .csv). Pure functions, no database: the result is a ``ParseResult`` the
import service validates against departments and then writes.

Every regular expression runs on a *width-normalised* copy of the text (full-width ASCII forms
→ ASCII, ideographic space → space) that has the same length as the original, so positions found
in the normalised text slice the original: content keeps its original punctuation.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from django.utils.translation import gettext as _

# --- width normalisation -------------------------------------------------------------------

_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0x00A0] = 0x20
_WIDTH[ord("﹙")] = ord("(")
_WIDTH[ord("﹚")] = ord(")")


def norm(text: str) -> str:
    """Full-width ASCII → ASCII, same length."""
    return text.translate(_WIDTH)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_CN_DIGITS.update({"七": 7, "八": 8, "九": 9})


def cn_to_int(s: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十五 → 25, 一百零二 → 102."""
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


# --- deadlines -----------------------------------------------------------------------------

STANDING_LONG_TERM = "long_term"
STANDING_ONGOING = "ongoing"

_CN_NUM = "[一二三四五六七八九十]"
_MONTH = rf"(\d{{1,2}}|{_CN_NUM}{{1,2}})"
_TAIL = r"(?:之?前|以前)?(?:完成|建成|上线|出台|落地|实现)?(?!起|开始)"
_DATE_PATTERNS = [
    # 2019年6月30日前 / 2019-06-30
    ("ymd", re.compile(rf"(\d{{4}})年{_MONTH}月(\d{{1,2}})日{_TAIL}")),
    ("ymd", re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")),
    # 2020年上半年 / 2019年第三季度
    ("yhalf", re.compile(rf"(\d{{4}})年(上|下)半年(?:末)?{_TAIL}")),
    ("yquarter", re.compile(rf"(\d{{4}})年(?:第)?([一二三四1-4])季度(?:末)?{_TAIL}")),
    # 2020年3月底前 / 2019年10月
    ("ym", re.compile(rf"(\d{{4}})年{_MONTH}月(?:底|末|份)?{_TAIL}")),
    # 2019年底前 / 2019年内
    ("y", re.compile(rf"(\d{{4}})年(?:底|末|内|年底)(?:之?前)?{_TAIL}")),
    # 9月30日前 (programme year)
    ("md", re.compile(rf"(?<![\d年]){_MONTH}月(\d{{1,2}})日{_TAIL}")),
    # 6月底完成 / 6月底前 / 6月份 (programme year)
    ("m", re.compile(rf"(?<![\d年个]){_MONTH}月(?:底|末|份){_TAIL}")),
    (
        "m",
        re.compile(
            rf"(?<![\d年个]){_MONTH}月(?:之?前|以前)(?:完成|建成|上线|出台|落地|实现)?(?!起)"
        ),
    ),
    ("half", re.compile(rf"(?<![\d年])(上|下)半年(?:末)?{_TAIL}")),
    ("quarter", re.compile(rf"(?<![\d年])(?:第)?([一二三四])季度末{_TAIL}")),
    (
        "thisyear",
        re.compile(
            rf"(?<![\d一二三四五六七八九十两几多明去])(?:年底前|年底|年内|年末|今年底|当年底){_TAIL}"
        ),
    ),
]
_STANDING = [
    (re.compile(r"长期坚持|长期推进|长期执行|常态化推进"), STANDING_LONG_TERM),
    (re.compile(r"持续推进|持续开展|持续深化|持续实施"), STANDING_ONGOING),
]
_CYCLES = [
    (re.compile(r"每季度|按季度|逐季"), "quarterly"),
    (re.compile(r"每半年"), "half_yearly"),
    (re.compile(r"每月|按月|逐月"), "monthly"),
    (re.compile(r"每年度?|按年度?"), "yearly"),
]


@dataclass
class Deadline:
    kind: str = "date"  # date | long_term | ongoing | none
    date: datetime.date | None = None
    text: str = ""
    cycle: str = ""  # reporting cycle a standing task names (每季度 …)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _num(s: str) -> int:
    n = cn_to_int(s)
    if n is None:
        raise ValueError(s)
    return n


def _resolve(kind: str, groups: tuple, year: int) -> datetime.date:
    if kind == "ymd":
        return datetime.date(int(groups[0]), _num(groups[1]), int(groups[2]))
    if kind == "ym":
        return _month_end(int(groups[0]), _num(groups[1]))
    if kind == "y":
        return datetime.date(int(groups[0]), 12, 31)
    if kind == "yhalf":
        return _month_end(int(groups[0]), 6 if groups[1] == "上" else 12)
    if kind == "yquarter":
        return _month_end(int(groups[0]), 3 * _num(groups[1]))
    if kind == "md":
        return datetime.date(year, _num(groups[0]), int(groups[1]))
    if kind == "m":
        return _month_end(year, _num(groups[0]))
    if kind == "half":
        return _month_end(year, 6 if groups[0] == "上" else 12)
    if kind == "quarter":
        return _month_end(year, 3 * _num(groups[0]))
    if kind == "thisyear":
        return datetime.date(year, 12, 31)
    raise ValueError(kind)


def find_deadline(text: str, year: int) -> Deadline:
    """The deadline a task text names, resolved against the programme's year.

    Several dates in one task (“2019年底前…,2020年底前…”): the latest is the deadline.
    No date but 长期坚持 / 持续推进 / 每季度: a standing task (with that reporting cycle)."""
    ntext = norm(text)
    taken: list[tuple[int, int]] = []
    found: list[tuple[datetime.date, str]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(ntext):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            try:
                d = _resolve(kind, m.groups(), year)
            except ValueError:
                continue
            taken.append((m.start(), m.end()))
            found.append((d, text[m.start() : m.end()]))
    cycle = ""
    for pattern, c in _CYCLES:
        if pattern.search(ntext):
            cycle = c
            break
    if found:
        d, phrase = max(found, key=lambda x: x[0])
        return Deadline("date", d, phrase, cycle)
    for pattern, kind in _STANDING:
        m = pattern.search(ntext)
        if m:
            return Deadline(kind, None, text[m.start() : m.end()], cycle)
    if cycle:
        m = next(p for p, c in _CYCLES if c == cycle).search(ntext)
        return Deadline(STANDING_ONGOING, None, text[m.start() : m.end()], cycle)
    return Deadline("none", None, "", "")


# --- units and responsibility notes --------------------------------------------------------

_OPEN = {"(": ")", "〔": "〕", "【": "】", "[": "]", "「": "」"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def bracket_groups(ntext: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level bracket group, brackets included; unbalanced openers
    are ignored."""
    groups, stack = [], []
    for i, ch in enumerate(ntext):
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _CLOSE and stack:
            if stack[-1][0] == _CLOSE[ch]:
                _, start = stack.pop()
                if not stack:
                    groups.append((start, i + 1))
            else:  # mismatched closer: drop back to the matching opener if any
                while stack and stack[-1][0] != _CLOSE[ch]:
                    stack.pop()
                if stack:
                    _, start = stack.pop()
                    if not stack:
                        groups.append((start, i + 1))
    return groups


def _top_level_split(text: str, seps: str) -> list[str]:
    """Split ``text`` (already normalised) on any char of ``seps`` outside brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if ch in seps and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


_UNIT_SEPS = "、,;/\n\r\t "
_UNIT_TRAILERS = re.compile(r"(?:等(?:相关|有关)?(?:部门|单位)?|按职责分工负责|配合)$")


def split_units(text: str) -> list[str]:
    """Several units in one cell: split on 、,;/ (either width), newlines and spaces — never
    inside brackets (“各县(市、区)人民政府” stays whole). Original characters are kept."""
    out = []
    n = norm(text or "")
    pos = 0
    for part in _top_level_split(n, _UNIT_SEPS):
        original = (text or "")[pos : pos + len(part)]
        pos += len(part) + 1
        name = _UNIT_TRAILERS.sub("", original.strip().strip("。.")).strip()
        if name and name not in out:
            out.append(name)
    return out


_NOTE_KEYS = re.compile(
    r"(牵头单位|牵头部门|牵头|责任单位|责任部门|主责单位|配合单位|配合部门|参与单位|参与部门|"
    r"协办单位|协助单位|协同单位|完成时限|完成时间|时间节点|时限|牵头领导|责任领导)\s*[:]"
)
_LEAD_KEYS = {"牵头单位", "牵头部门", "牵头", "主责单位"}
_PARTNER_KEYS = {
    "配合单位",
    "配合部门",
    "参与单位",
    "参与部门",
    "协办单位",
    "协助单位",
    "协同单位",
}
_RESP_KEYS = {"责任单位", "责任部门"}
_DEADLINE_KEYS = {"完成时限", "完成时间", "时间节点", "时限"}
_LEADER_KEYS = {"牵头领导", "责任领导"}
_BARE_UNIT = re.compile(
    r"^[^\d]{2,30}(?:局|委|办|院|中心|公司|分行|支行|政府|部|厅|会|所|队|集团)$"
)
_LEAD_CLAUSE = re.compile(r"^(.+?)(?:共同)?牵头(?:负责|落实|推进|实施)?$")
_PARTNER_CLAUSE = re.compile(
    r"^(.+?)(?:按照?职责分工负责|按职责分工落实|按职责负责|分工负责|按职责落实|配合落实|"
    r"共同负责|负责落实|配合|参与|协同|协助|负责)$"
)


@dataclass
class Note:
    leads: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    deadline_text: str = ""
    leader: str = ""


def parse_note(inner: str) -> Note | None:
    """The responsibility note inside one bracket group, in any house style; None when the
    bracket is ordinary text (a book title, an aside)."""
    n = norm(inner).strip()
    if not n:
        return None
    keys = list(_NOTE_KEYS.finditer(n))
    note = Note()
    if keys and keys[0].start() == 0:
        resp: list[str] = []
        for i, k in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(n)
            value = inner[k.end() : end].strip().rstrip(";,。.").strip()
            key = k.group(1)
            if key in _LEAD_KEYS:
                note.leads += split_units(value)
            elif key in _PARTNER_KEYS:
                note.partners += split_units(value)
            elif key in _RESP_KEYS:
                resp += split_units(value)
            elif key in _DEADLINE_KEYS:
                note.deadline_text = value
            elif key in _LEADER_KEYS:
                note.leader = value
        if note.leads:
            note.partners = resp + note.partners
        elif resp:
            # 责任单位 alone: by convention the unit listed first leads (列第一位的为牵头单位).
            note.leads, note.partners = resp[:1], resp[1:] + note.partners
        return note if note.leads or note.partners or note.deadline_text else None
    if "牵头" not in n and not n.endswith("负责"):
        return None
    pos = 0
    pending: list[str] = []  # bare unit names before the clause that names their role
    for clause in _top_level_split(n, ",;"):
        original = inner[pos : pos + len(clause)].strip()
        pos += len(clause) + 1
        c = norm(original).strip().rstrip("。.")
        if not c:
            continue
        m = _LEAD_CLAUSE.match(c)
        if m:
            note.leads += pending + split_units(original[: m.end(1)])
            pending = []
            continue
        m = _PARTNER_CLAUSE.match(c)
        if m:
            units = pending + split_units(original[: m.end(1)])
            pending = []
            if note.leads:
                note.partners += units
            else:
                note.leads += units
            continue
        if find_deadline(original, 2000).kind != "none":
            note.deadline_text = original.rstrip("。.")
            continue
        if _BARE_UNIT.match(c):
            pending += split_units(original)
            continue
        return None  # a clause we cannot read: not a note we understand
    if pending:
        note.partners += pending
    return note if note.leads else None


# --- leaders -------------------------------------------------------------------------------

_TITLE_RE = re.compile(
    r"(常务副市长|副市长|市长|市委副书记|市委书记|书记|秘书长|副秘书长|市委常委|副主任|主任|"
    r"副局长|局长|部长|副部长|院长|行长|总经理)"
)


def split_leader(text: str) -> tuple[str, str]:
    """“王某某\\n副市长”, “王某某(副市长)”, “副市长 王某某” → (name, title)."""
    t = norm(text or "").strip()
    if not t:
        return "", ""
    t = re.sub(r"[()\n\r\t,、]", " ", t)
    titles = _TITLE_RE.findall(t)
    title = max(titles, key=len) if titles else ""
    name = t
    if title:
        # the title may be glued to the name: “市长王某某” / “王某某副市长”
        name = t.replace(title, " ", 1)
    name = " ".join(name.split())
    if title and not name:
        return "", title
    return name, title


# --- parsed tasks --------------------------------------------------------------------------


@dataclass
class ParsedTask:
    number: str
    measure: str
    measure_number: int
    content: str
    lead_units: list[str]
    partner_units: list[str]
    deadline: datetime.date | None
    deadline_text: str
    deadline_kind: str = "date"
    cycle: str = ""
    leader_name: str = ""
    leader_title: str = ""
    expected_outputs: str = ""
    indicator_keys: list[str] = field(default_factory=list)
    line: int = 0

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "measure": self.measure,
            "content": self.content,
            "lead_units": list(self.lead_units),
            "partner_units": list(self.partner_units),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
        }


@dataclass
class ParseError:
    line: int
    field: str
    message: str

    def __str__(self):
        if self.line:
            return _("第%(line)d行:%(msg)s") % {"line": self.line, "msg": self.message}
        return self.message


@dataclass
class ParseResult:
    tasks: list[ParsedTask] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    year: int | None = None
    title: str = ""
    doc_number: str = ""
    source: str = "document"  # document | spreadsheet

    def error(self, line: int, field_name: str, message: str):
        self.errors.append(ParseError(line, field_name, message))

    @property
    def unit_names(self) -> list[str]:
        names: list[str] = []
        for t in self.tasks:
            for u in t.lead_units + t.partner_units:
                if u not in names:
                    names.append(u)
        return names


_DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,8}发?〔(\d{4})〕\d+号")
_YEAR_IN_TITLE = re.compile(r"(\d{4})年")


def _detect_year(text: str) -> int | None:
    m = _DOC_NUMBER.search(text[:2000])
    if m:
        return int(m.group(1))
    m = _YEAR_IN_TITLE.search(text[:300])
    return int(m.group(1)) if m else None


def _check_duplicates(result: ParseResult):
    seen: dict[str, int] = {}
    for t in result.tasks:
        if t.number in seen:
            result.error(
                t.line,
                "number",
                _("任务编号“%(number)s”重复(第%(first)d行已使用)。")
                % {"number": t.number, "first": seen[t.number]},
            )
        else:
            seen[t.number] = t.line


# --- policy documents ----------------------------------------------------------------------

_MARKERS = [
    (1, re.compile(r"^([一二三四五六七八九十百]+)[、.]\s*")),
    (2, re.compile(r"^\(([一二三四五六七八九十百]+)\)\s*")),
    (3, re.compile(r"^(\d{1,3})(?:、|\.(?!\d))\s*")),
    (4, re.compile(r"^\((\d{1,3})\)\s*")),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass
class _Block:
    level: int
    num: int
    text: str
    line: int
    notes: list[Note] = field(default_factory=list)
    body: str = ""  # text without the notes


def _read_notes(block: _Block):
    n = norm(block.text)
    pieces, last = [], 0
    for s, e in bracket_groups(n):
        note = parse_note(block.text[s + 1 : e - 1])
        if note is not None:
            block.notes.append(note)
            pieces.append(block.text[last:s])
            last = e
    pieces.append(block.text[last:])
    block.body = re.sub(r"\s+", "", "".join(pieces)).strip()
    block.body = re.sub(r"^[;;,,]+|[;;,,]+$", "", block.body)


def _title_of(block: _Block) -> str:
    t = block.body
    m = re.search(r"[。;;]", t)
    if m and m.start() > 0:
        t = t[: m.start()]
    return re.sub(r"[。:: ]+$", "", t.strip())


def parse_document(text: str, year: int | None = None) -> ParseResult:
    """Parse a programme's text: numbered headings become measures, numbered paragraphs with
    a responsibility note become tasks (see docs/reforms.md for the house styles)."""
    result = ParseResult(source="document")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result.year = year or _detect_year(text) or datetime.date.today().year
    m = _DOC_NUMBER.search(text[:2000])
    result.doc_number = m.group(0) if m else ""
    mt = re.search(r"《([^》]{4,80})》", text[:600])
    if mt:
        result.title = mt.group(1)
    else:
        for line in text.split("\n"):
            if line.strip():
                result.title = line.strip()
                break

    blocks: list[_Block] = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        nline = norm(line)
        for level, pattern in _MARKERS:
            mm = pattern.match(nline)
            if mm:
                g = mm.group(1)
                num = _CIRCLED.index(g) + 1 if level == 5 else cn_to_int(g)
                blocks.append(_Block(level, num or 0, line[mm.end() :], lineno))
                break
        else:
            if blocks:
                blocks[-1].text += "\n" + line
    for b in blocks:
        _read_notes(b)

    noted = [b.level for b in blocks if b.notes]
    if not noted:
        result.error(0, "file", _("未找到任何带牵头单位说明的任务段落。"))
        return result
    task_level = max(set(noted), key=lambda lv: (noted.count(lv), -lv))

    # Group: headings (shallower), tasks (task_level), sub-items (deeper, merged into tasks).
    tasks: list[tuple[_Block, list[_Block], list[_Block]]] = []  # (task, subitems, headings)
    heading_stack: list[_Block] = []
    current = None
    for b in blocks:
        if b.level < task_level:
            heading_stack = [h for h in heading_stack if h.level < b.level] + [b]
            current = None
            if b.notes and not _has_children(blocks, b, task_level):
                tasks.append((b, [], list(heading_stack[:-1])))
        elif b.level == task_level:
            current = (b, [], list(heading_stack))
            tasks.append(current)
        elif current is not None:
            current[1].append(b)

    raw: list[dict] = []
    sections_with_notes = {
        id(hs[-1]) if hs else None
        for t, subs, hs in tasks
        if t.notes or any(s.notes for s in subs) or any(h.notes for h in hs)
    }
    for t, subs, headings in tasks:
        notes = list(t.notes) + [n for s in subs for n in s.notes]
        inherited = [n for h in headings for n in h.notes]
        section = id(headings[-1]) if headings else None
        if not notes and not inherited:
            if section in sections_with_notes:
                result.error(
                    t.line,
                    "lead_units",
                    _("无法解析:第%(num)s项未写明牵头单位(应如“(牵头单位:……)”)。") % {"num": t.num},
                )
            continue
        notes = notes or inherited
        content = t.body
        for s in subs:
            marker = f"({s.num})" if s.level == 4 else (f"{s.num}." if s.level == 3 else "")
            content += marker + s.body
        leads, partners = [], []
        leader = next((n.leader for n in notes if n.leader), "")
        for n in notes:
            leads += [u for u in n.leads if u not in leads]
            partners += [u for u in n.partners if u not in partners and u not in leads]
        measure = headings[-1] if headings else None
        deadline_source = " ".join(n.deadline_text for n in notes if n.deadline_text) or content
        dl = find_deadline(deadline_source, result.year)
        if dl.kind == "none" and deadline_source is not content:
            dl = find_deadline(content, result.year)
        raw.append(
            {
                "block": t,
                "measure": _title_of(measure) if measure else "",
                "measure_number": measure.num if measure else 0,
                "content": content,
                "leads": leads,
                "partners": partners,
                "deadline": dl,
                "leader": leader,
            }
        )
        if not leads:
            result.error(t.line, "lead_units", _("未写明牵头单位。"))

    # Numbering restarts under each measure → qualify as “measure.task”.
    numbers = [r["block"].num for r in raw]
    qualify = len(set(numbers)) < len(numbers) and len({r["measure_number"] for r in raw}) > 1
    for r in raw:
        b = r["block"]
        number = f"{r['measure_number']}.{b.num}" if qualify else str(b.num)
        dl: Deadline = r["deadline"]
        leader_name, leader_title = split_leader(r["leader"])
        result.tasks.append(
            ParsedTask(
                number=number,
                measure=r["measure"],
                measure_number=r["measure_number"],
                content=r["content"],
                lead_units=r["leads"],
                partner_units=r["partners"],
                deadline=dl.date,
                deadline_text=dl.text,
                deadline_kind=dl.kind,
                cycle=dl.cycle,
                leader_name=leader_name,
                leader_title=leader_title,
                line=b.line,
            )
        )
    _check_duplicates(result)
    return result


def _has_children(blocks: list[_Block], heading: _Block, task_level: int) -> bool:
    i = blocks.index(heading)
    for b in blocks[i + 1 :]:
        if b.level <= heading.level:
            return False
        if b.level == task_level:
            return True
    return False


# --- spreadsheets --------------------------------------------------------------------------

_HEADERS = [
    ("number", ["序号", "编号", "任务编号", "任务序号"]),
    ("leader", ["牵头领导", "责任领导", "分管领导", "牵头市领导", "市领导"]),
    ("lead", ["牵头单位", "牵头部门", "主责单位"]),
    (
        "partner",
        ["参与/配合单位", "参与单位", "配合单位", "协办单位", "配合部门", "参与部门", "协同单位"],
    ),
    ("deadline", ["完成时限", "完成时间", "时限", "时间节点", "完成期限"]),
    ("outputs", ["预期成果", "工作成果", "成果形式", "预期目标"]),
    ("indicators", ["关联指标", "指标"]),
    ("measure", ["政策措施", "措施", "工作措施", "改革事项", "类别", "领域"]),
    ("content", ["任务内容", "工作任务", "具体任务", "主要任务", "工作内容", "具体措施", "任务"]),
    ("responsible", ["责任单位", "责任部门"]),
]


def _header_map(row: list[str]) -> dict[str, int]:
    cells = [re.sub(r"\s+", "", norm(c or "")) for c in row]
    found: dict[str, int] = {}
    # exact names first, then containment
    for exact in (True, False):
        for key, names in _HEADERS:
            if key in found:
                continue
            for i, c in enumerate(cells):
                if not c or i in found.values():
                    continue
                if any((c == n) if exact else (n in c) for n in names):
                    found[key] = i
                    break
    if "lead" not in found and "responsible" in found:
        found["lead"] = found.pop("responsible")
    elif "responsible" in found and "partner" not in found:
        found["partner"] = found.pop("responsible")
    return found


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_MEASURE_NUM = re.compile(
    r"^\s*(?:([一二三四五六七八九十百]+)[、.]|\(([一二三四五六七八九十百\d]+)\)|(\d{1,3})(?:[.、]|\.(?!\d)))\s*"
)


def _split_measure(text: str) -> tuple[int | None, str]:
    n = norm(text)
    m = _MEASURE_NUM.match(n)
    if not m:
        return None, text.strip()
    g = next(x for x in m.groups() if x)
    return cn_to_int(g), text[m.end() :].strip()


def _flat(text: str) -> str:
    """A multi-line cell as one paragraph (Chinese text joins without spaces)."""
    lines = [ln.strip() for ln in (text or "").splitlines()]
    return "".join(ln for ln in lines if ln)


def parse_rows(rows: list[tuple[int, list]], year: int | None = None) -> ParseResult:
    """Parse spreadsheet rows ``(line number, cells)`` after merged cells are filled in."""
    result = ParseResult(source="spreadsheet")
    rows = [(ln, [_cell_text(c) for c in cells]) for ln, cells in rows]
    header_at, cols = None, {}
    for idx, (_ln, cells) in enumerate(rows[:20]):
        cols = _header_map(cells)
        if "content" in cols and "lead" in cols:
            header_at = idx
            break
    if header_at is None:
        result.error(0, "file", _("未找到表头:至少需要“任务内容”和“牵头单位”两列。"))
        return result
    title_cells = [c for _ln, cells in rows[:header_at] for c in cells if c]
    if title_cells:
        result.title = title_cells[0]
    result.year = year or _detect_year(" ".join(title_cells)) or datetime.date.today().year

    def get(cells, key):
        i = cols.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    measure_titles: dict[str, int] = {}
    current_measure, current_leader = "", ""
    auto_number = 0
    for ln, cells in rows[header_at + 1 :]:
        nonempty = {c for c in cells if c}
        if not nonempty:
            continue
        content = _flat(get(cells, "content"))
        lead_text = get(cells, "lead")
        if len(nonempty) == 1 and not lead_text:
            current_measure = next(iter(nonempty))  # a section row spanning the table
            continue
        measure_cell = _flat(get(cells, "measure"))
        if measure_cell:
            current_measure = measure_cell
        leader_cell = get(cells, "leader")
        if leader_cell:
            current_leader = leader_cell
        if not content and not lead_text:
            result.error(ln, "content", _("无法解析:既无任务内容也无牵头单位。"))
            continue
        if not content:
            result.error(ln, "content", _("任务内容为空。"))
            continue
        leads = split_units(lead_text)
        if not leads:
            result.error(ln, "lead_units", _("牵头单位为空。"))
            continue
        number = get(cells, "number").strip().rstrip(".、")
        if "number" in cols and not number:
            result.error(ln, "number", _("序号为空。"))
            continue
        if not number:
            auto_number += 1
            number = str(auto_number)
        mnum, mtitle = _split_measure(current_measure)
        if mnum is None:
            mnum = measure_titles.setdefault(mtitle, len(measure_titles) + 1)
        else:
            measure_titles.setdefault(mtitle, mnum)
        dl_cell = _flat(get(cells, "deadline"))
        dl = find_deadline(dl_cell or content, result.year)
        if dl_cell and dl.kind == "none":
            result.error(ln, "deadline", _("无法识别完成时限“%(text)s”。") % {"text": dl_cell})
            continue
        name, title = split_leader(current_leader)
        partners = [u for u in split_units(get(cells, "partner")) if u not in leads]
        result.tasks.append(
            ParsedTask(
                number=number,
                measure=mtitle,
                measure_number=mnum,
                content=content,
                lead_units=leads,
                partner_units=partners,
                deadline=dl.date,
                deadline_text=dl.text if not dl_cell or dl.kind != "date" else dl_cell,
                deadline_kind=dl.kind,
                cycle=dl.cycle,
                leader_name=name,
                leader_title=title,
                expected_outputs=_flat(get(cells, "outputs")),
                indicator_keys=[k for k in re.split(r"[,,、;;\s]+", get(cells, "indicators")) if k],
                line=ln,
            )
        )
    _check_duplicates(result)
    return result


def xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    """Rows of the first sheet that has a task header, merged ranges filled with their
    top-left value."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), data_only=True)
    chosen = None
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 20), values_only=True):
            cols = _header_map([_cell_text(c) for c in row])
            if "content" in cols and "lead" in cols:
                chosen = ws
                break
        if chosen:
            break
    ws = chosen or wb.worksheets[0]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                grid[r][c] = value
    return [(i + 1, row) for i, row in enumerate(grid)]


def decode_text(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def csv_rows(data: bytes) -> list[tuple[int, list]]:
    text = decode_text(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows, line = [], 1
    reader = csv.reader(io.StringIO(text), dialect)
    for row in reader:
        rows.append((line, row))
        line = reader.line_num + 1
    return rows


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_content(data: bytes) -> tuple[str, list[list[tuple[int, list]]]]:
    """(paragraph text, tables) of a .docx, read with the standard library. Tables come back
    as spreadsheet rows with horizontal (gridSpan) and vertical (vMerge) merges filled in."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = ElementTree.fromstring(zf.read("word/document.xml"))
    body = root.find(f"{_W}body")
    lines: list[str] = []
    tables: list[list[tuple[int, list]]] = []

    def para_text(p) -> str:
        out = []
        for el in p.iter():
            if el.tag == f"{_W}t":
                out.append(el.text or "")
            elif el.tag == f"{_W}tab":
                out.append(" ")
            elif el.tag in (f"{_W}br", f"{_W}cr"):
                out.append("\n")
        return "".join(out)

    for child in body if body is not None else []:
        if child.tag == f"{_W}p":
            lines.append(para_text(child))
        elif child.tag == f"{_W}tbl":
            grid: list[list[str]] = []
            for tr in child.findall(f"{_W}tr"):
                row: list[str] = []
                for tc in tr.findall(f"{_W}tc"):
                    text = "\n".join(para_text(p) for p in tc.findall(f"{_W}p"))
                    pr = tc.find(f"{_W}tcPr")
                    span, vcont = 1, False
                    if pr is not None:
                        gs = pr.find(f"{_W}gridSpan")
                        if gs is not None:
                            span = int(gs.get(f"{_W}val", "1"))
                        vm = pr.find(f"{_W}vMerge")
                        if vm is not None and vm.get(f"{_W}val", "continue") != "restart":
                            vcont = True
                    col = len(row)
                    if vcont and grid and col < len(grid[-1]):
                        text = grid[-1][col]
                    row.extend([text] * span)
                grid.append(row)
            tables.append([(i + 1, r) for i, r in enumerate(grid)])
            lines.append("")
    return "\n".join(lines), tables


def parse_file(path_or_name, data: bytes | None = None, year: int | None = None) -> ParseResult:
    """Dispatch on the file type: .xlsx/.xlsm, .csv, .docx, .txt/.md."""
    path = Path(str(path_or_name))
    if data is None:
        data = path.read_bytes()
    ext = path.suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        try:
            rows = xlsx_rows(data)
        except Exception:  # noqa: BLE001 - a corrupt workbook is bad input, not a crash
            r = ParseResult(source="spreadsheet")
            r.error(0, "file", _("无法读取Excel文件,请确认是有效的 .xlsx 文件。"))
            return r
        return parse_rows(rows, year)
    if ext == ".csv":
        return parse_rows(csv_rows(data), year)
    if ext == ".docx":
        try:
            text, tables = docx_content(data)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
            r = ParseResult()
            r.error(0, "file", _("无法读取Word文件,请确认是有效的 .docx 文件。"))
            return r
        for table in tables:
            cols = {}
            for _ln, cells in table[:5]:
                cols = _header_map(cells)
                if "content" in cols and "lead" in cols:
                    break
            if "content" in cols and "lead" in cols:
                result = parse_rows(table, year or _detect_year(text))
                result.doc_number = result.doc_number or (
                    m.group(0) if (m := _DOC_NUMBER.search(text[:2000])) else ""
                )
                return result
        return parse_document(text, year)
    if ext in (".txt", ".md", ".text", ""):
        return parse_document(decode_text(data), year)
    r = ParseResult()
    r.error(
        0,
        "file",
        _("不支持的文件类型“%(ext)s”:请上传 .xlsx、.csv、.docx 或 .txt 文件。") % {"ext": ext},
    )
    return r
