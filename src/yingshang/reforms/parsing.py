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
import functools
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


_WIDTH_CHARS = re.compile("[" + "".join(map(chr, _WIDTH)) + "]")


def _narrow(m: re.Match) -> str:
    return chr(_WIDTH[ord(m.group())])


@functools.lru_cache(maxsize=8192)
def norm(text: str) -> str:
    """Full-width ASCII → ASCII, same length. A regex pass (most fragments have nothing to
    replace) and a cache: the note grammar normalises the same fragments several times."""
    return _WIDTH_CHARS.sub(_narrow, text) if _WIDTH_CHARS.search(text) else text


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
    ("ym", re.compile(rf"(\d{{4}})年{_MONTH}月(?:底|末|份)?(?!\d{{1,2}}[日号]){_TAIL}")),
    # 2019年底前 / 2019年内
    ("y", re.compile(rf"(\d{{4}})年(?:底|末|内|年底)(?:之?前)?{_TAIL}")),
    # 2020年前 / 到2025年 / 2021-2023年: the end of that (last) year
    ("y", re.compile(rf"(\d{{4}})年(?:之?前|以前){_TAIL}")),
    ("y", re.compile(r"(?:到|至)(\d{4})年(?![底末内上下第\d一二三四五六七八九十度]|起)")),
    (
        "yrange",
        re.compile(r"(\d{4})\s*[-—–~至到]\s*(\d{4})年(?![底末内上下第\d一二三四五六七八九十]|起)"),
    ),
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
    ("quarter", re.compile(rf"(?<![\d年每])第([一二三四1-4])季度{_TAIL}")),
    (
        "thisyear",
        re.compile(
            rf"(?<![\d一二三四五六七八九十两几多明去])(?:年底前|年底|年内|年末|今年底|当年底|全年){_TAIL}"
        ),
    ),
]
# Standing phrases count only as a time phrase of their own (“……,长期坚持。”, a 时限 cell
# “持续推进”), not as the verb of the task (“持续推进“一网通办””).
_STANDALONE = r"(?=$|[。.,;,;、)(〔【\]\s])"
_STANDING = [
    (re.compile(r"(?:长期坚持|长期推进|长期执行|常态化推进)" + _STANDALONE), STANDING_LONG_TERM),
    (re.compile(r"(?:持续推进|持续开展|持续深化|持续实施)" + _STANDALONE), STANDING_ONGOING),
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
    found: int = 0  # how many distinct dates the text names


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
    if kind == "yrange":
        if int(groups[1]) < int(groups[0]):
            raise ValueError(groups)
        return datetime.date(int(groups[1]), 12, 31)
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
        return Deadline("date", d, phrase, cycle, len({x[0] for x in found}))
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
# A trailing bare 等 names nothing and is dropped; “等有关部门”, “等部门”, “等相关单位” name a
# collective subject and are kept whole (市税务局等有关部门 ≠ 市税务局).
_UNIT_TRAILERS = re.compile(r"(?:(?<!有关)(?<!相关)等|按职责分工负责|按职责负责|配合)$")
# “各州、市人民政府”, “各市、县〔市、区〕政府”: the 、 after a bare 各+level is part of the name.
_LEVEL_FRAGMENT = re.compile(r"^各[市县区州旗乡镇盟]{1,2}$")
_LEVEL_REST = re.compile(r"^[市县区州旗乡镇盟]{1,2}(?:[(〔\[][^)〕\]]*[)〕\]])?(?:人民)?政府")


def _unit_spans(n: str) -> list[tuple[int, int]]:
    """(start, end) of each unit in the normalised text ``n``: split on 、,;/ and blanks at top
    level, on 及 and before 和各; level fragments (各州、市…) joined back."""
    spans, depth, start = [], 0, 0
    i = 0
    while i < len(n):
        ch = n[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        cut = 0
        if depth == 0:
            if ch in _UNIT_SEPS or ch == "及":
                cut = 1
            elif ch == "和" and n[i + 1 : i + 2] == "各":
                cut = 1
        if cut:
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, len(n)))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if (
            merged
            and n[s - 1] == "、"
            and _LEVEL_FRAGMENT.match(n[merged[-1][0] : merged[-1][1]].strip())
            and _LEVEL_REST.match(n[s:e].strip())
        ):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def split_units(text: str) -> list[str]:
    """Several units in one cell: split on 、,;/ (either width), newlines and spaces, and on 及
    — never inside brackets (“各县(市、区)人民政府” stays whole), never inside a level
    list (“各州、市人民政府”). Original characters are kept."""
    out = []
    text = text or ""
    for s, e in _unit_spans(norm(text)):
        name = _UNIT_TRAILERS.sub("", text[s:e].strip().strip("。.")).strip()
        if name and name not in out:
            out.append(name)
    return out


_NOTE_KEYS = re.compile(
    r"(总牵头单位|牵头单位|牵头部门|牵头|主办单位|主责单位|责任单位|责任部门|配合单位|配合部门|"
    r"参与单位|参与部门|协办单位|协助单位|协同单位|完成时限|完成时间|时间节点|时限要求|时限|"
    r"牵头领导|责任领导)\s*[:]"
)
_LEAD_KEYS = {"总牵头单位", "牵头单位", "牵头部门", "牵头", "主办单位", "主责单位"}
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
_DEADLINE_KEYS = {"完成时限", "完成时间", "时间节点", "时限要求", "时限"}
_LEADER_KEYS = {"牵头领导", "责任领导"}
_UNIT_END = (
    "局|委|办|院|中心|公司|分行|支行|政府|部|厅|会|所|队|集团|单位|部门|专班|街道|街办|"
    "开发区|园区|高新区|新区|管委会|镇|乡|室|组|站|行|处|科|馆"
)
_UNIT_NAME = re.compile(
    rf"^(?:各.{{1,20}}|[^\d%]{{2,40}}?(?:{_UNIT_END})(?:\(.{{1,12}}\))?(?:等(?:有关|相关)?(?:部门|单位))?)$"
)
_LEAD_CLAUSE = re.compile(r"^(.+?)(?:按职责|分别|共同)?(?:牵头|主办)(?:负责|落实|推进|实施)?$")
# Role words that make the units before them partners (after a lead), in clause notes and
# inside a keyed value; a clause note also accepts the plain 负责 forms.
_PARTNER_ROLES = (
    "按照?职责分工负责|按职责分工落实|按职责负责|分工负责|按职责落实|配合落实|配合|参与|协助|协办"
)
_PARTNER_CLAUSE = re.compile(rf"^(.+?)(?:{_PARTNER_ROLES}|共同负责|负责落实|协同|负责)$")
_PARTNER_SUFFIX = re.compile(rf"(?:{_PARTNER_ROLES})$")
# A note's own remarks: “以下均需各县市区落实,不再列出”, “具体任务…,下同”.
_REMARK_START = re.compile(r"^(?:以下|下同|不再|具体任务|其中|其余|各项任务|本方案|此项)")
# A document's statement of its convention: “(第一责任单位为牵头单位,下同)”,
# “(排在第一位的为牵头单位)”, “列第一位的为牵头单位”.
_CONVENTION = re.compile(
    r"[(〔]?[^()〔〕,;、。]{0,6}(?:第一|首位|第1)[^()〔〕,;、。]{0,12}牵头[^()〔〕,;、。]{0,6}"
    r"(?:,下同)?[)〕]?"
)


def is_unit_name(text: str) -> bool:
    """Whether a fragment reads as an organisation name (市发改委, 各县(市、区)人民政府)."""
    return bool(_UNIT_NAME.match(norm(text).strip()))


@dataclass
class Note:
    leads: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    deadline_text: str = ""
    leader: str = ""
    remark: str = ""  # trailing sentences kept as a note on the task
    lead_inferred: bool = False  # the lead is the first listed unit, not named as lead
    convention: bool = False  # the note states “the first listed unit leads”
    overall: bool = False  # 总牵头单位: the lead of a whole section, its items inherit it


def _strip_remark(inner: str) -> tuple[str, str]:
    """Split off a note's trailing sentences: everything after its first top-level 。, and
    clauses that begin a remark (以下…, 不再列出, 下同)."""
    n = norm(inner)
    depth = 0
    for i, ch in enumerate(n):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif depth == 0 and ch in "。" and n[i + 1 :].strip():
            return inner[:i], inner[i + 1 :].strip()
    pos = 0
    for clause in _top_level_split(n, ",;"):
        if pos and _REMARK_START.match(clause.strip()):
            return inner[: pos - 1], inner[pos:].strip()
        pos += len(clause) + 1
    return inner, ""


def _clauses(text: str):
    """The clauses of a note split on , and ; outside brackets: (original text, normalised
    text without a closing 。), empty ones skipped."""
    pos = 0
    for clause in _top_level_split(norm(text), ",;"):
        original = text[pos : pos + len(clause)].strip()
        pos += len(clause) + 1
        c = norm(original).strip().rstrip("。.")
        if c:
            yield original, c


def _value_units(value: str) -> tuple[list[str], list[str], str]:
    """A keyed value read clause by clause: (units, units marked 按职责分工负责/配合,
    deadline phrase). “6月底完成” inside the list is the deadline, not a unit."""
    main: list[str] = []
    partners: list[str] = []
    deadline = ""
    for original, c in _clauses(value):
        m = _PARTNER_SUFFIX.search(c)
        if m and m.start() > 0:
            partners += split_units(original[: m.start()])
            continue
        units = split_units(original)
        dated = [u for u in units if not is_unit_name(u) and find_deadline(u, 2000).kind != "none"]
        if dated:
            deadline = "、".join(dated)
            units = [u for u in units if u not in dated]
        main += units
    return main, partners, deadline


_ROLE_IN_VALUE = re.compile(r"[^,;(]\s*(?:牵头|主办)(?:负责|落实|推进|实施)?\s*(?:[,;]|$)")


def parse_note(inner: str, bare: bool = False) -> Note | None:
    """The responsibility note inside one bracket group (or on its own line), in any house
    style; None when the text is not a note (a book title, an aside). A bare list of units
    with no role (“(市税务局、市财政局)”) is read as responsible units only when ``bare`` (the
    bracket ends its paragraph) or the note states the first-is-lead convention. See
    docs/reforms.md for the grammar."""
    inner, remark = _strip_remark(inner)
    convention = bool(_CONVENTION.search(norm(inner)))
    if convention:
        inner = _drop_convention(inner)
    n = norm(inner).strip()
    if not n:
        return None
    keys = list(_NOTE_KEYS.finditer(n))
    note = Note(remark=remark, convention=convention)
    if keys and keys[0].start() == 0:
        resp: list[str] = []
        resp_partners: list[str] = []
        for i, k in enumerate(keys):
            end = keys[i + 1].start() if i + 1 < len(keys) else len(n)
            value = inner[k.end() : end].strip().rstrip(";,。.").strip()
            key = k.group(1)
            note.overall = note.overall or key == "总牵头单位"
            if key in _DEADLINE_KEYS:
                note.deadline_text = value
                continue
            if key in _LEADER_KEYS:
                note.leader = value
                continue
            if key in _RESP_KEYS and _ROLE_IN_VALUE.search(norm(value)):
                # “责任单位:A牵头,B、C配合”: the value names the roles itself
                roles = parse_note(value)
                if roles is not None:
                    note.leads += roles.leads
                    note.partners += roles.partners
                    note.deadline_text = note.deadline_text or roles.deadline_text
                    continue
            main, partners, deadline = _value_units(value)
            if deadline and not note.deadline_text:
                note.deadline_text = deadline
            if key in _LEAD_KEYS:
                note.leads += main
                note.partners += partners
            elif key in _PARTNER_KEYS:
                note.partners += main + partners
            elif key in _RESP_KEYS:
                resp += main
                resp_partners += partners
        if note.leads:
            note.partners = resp + resp_partners + note.partners
        elif resp or resp_partners:
            # 责任单位 alone. One unit before the 按职责分工负责 part: that unit leads. Several:
            # by the common convention the first listed leads (列第一位的为牵头单位) — certain only
            # when the document says so, otherwise flagged for the reviewer.
            units = resp or resp_partners
            rest = resp[1:] + resp_partners if resp else resp_partners[1:]
            note.leads, note.partners = units[:1], rest + note.partners
            note.lead_inferred = len(resp) != 1 and len(units + rest) > 1
        return note if note.leads or note.partners or note.deadline_text else None
    if "牵头" not in n and "主办" not in n and not n.endswith("负责") and not n.endswith("配合"):
        if not (bare or convention):
            return None
        main, partners, deadline = _value_units(inner)
        if not main or partners or not all(is_unit_name(u) for u in main):
            return None
        # a bare list: responsible units, the first leads by convention (flagged unless stated)
        note.leads, note.partners = main[:1], main[1:]
        note.deadline_text = deadline
        note.lead_inferred = len(main) > 1
        return note
    pending: list[str] = []  # bare unit names before the clause that names their role
    for original, c in _clauses(inner):
        m = _LEAD_CLAUSE.match(c)
        if m:
            note.leads += pending + split_units(original[: m.end(1)])
            pending = []
            continue
        m = _PARTNER_CLAUSE.match(c)
        if m:
            units = split_units(original[: m.end(1)])
            if note.leads:
                note.partners += pending + units
            elif pending:  # “A,B按职责分工负责”: the bare units before lead
                note.leads += pending
                note.partners += units
            else:
                note.leads += units
            pending = []
            continue
        if find_deadline(original, 2000).kind != "none":
            note.deadline_text = original.rstrip("。.")
            continue
        units = split_units(original)
        if units and all(is_unit_name(u) for u in units):
            pending += units
            continue
        return None  # a clause we cannot read: not a note we understand
    if pending:
        note.partners += pending
    return note if note.leads else None


def _drop_convention(inner: str) -> str:
    """``inner`` without its convention statement, original characters kept."""
    m = _CONVENTION.search(norm(inner))
    return inner[: m.start()] + inner[m.end() :] if m else inner


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
    t = re.sub(r"[()\n\r\t,、;]", " ", t)  # a note's separator left on the value
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
    # Fields the parser is not sure of (lead_units, deadline): shown to the reviewer on the
    # import page and in ``parse --json`` instead of being silently guessed.
    uncertain_fields: list[str] = field(default_factory=list)
    note: str = ""  # trailing sentences of the responsibility note (以下……不再列出)

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "measure": self.measure,
            "content": self.content,
            "lead_units": list(self.lead_units),
            "partner_units": list(self.partner_units),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_text": self.deadline_text,
            "uncertain_fields": list(self.uncertain_fields),
            "note": self.note,
        }


@dataclass
class ParseError:
    line: int
    field: str
    message: str

    def __str__(self):
        if self.line:
            return _("第%(line)d行：%(msg)s") % {"line": self.line, "msg": self.message}
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
                _("任务编号“%(number)s”重复（第%(first)d行已使用）。")
                % {"number": t.number, "first": seen[t.number]},
            )
        else:
            seen[t.number] = t.line


# --- policy documents ----------------------------------------------------------------------

_MARKERS = [
    (0.5, re.compile(r"^第([一二三四五六七八九十百零〇\d]+)[章部](?:分)?\s*")),
    (1, re.compile(r"^第([一二三四五六七八九十百零〇\d]+)条\s*")),
    (1, re.compile(r"^([一二三四五六七八九十百]+)[、.]\s*")),
    (2, re.compile(r"^\(([一二三四五六七八九十百]+)\)\s*")),
    (3, re.compile(r"^(\d{1,3})(?:、|\.(?!\d))\s*")),
    (4, re.compile(r"^\((\d{1,3})\)\s*")),
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


@dataclass
class _Block:
    level: float
    num: int
    text: str
    line: int
    notes: list[Note] = field(default_factory=list)
    body: str = ""  # text without the notes
    note_lines: list[str] = field(default_factory=list)  # 责任单位:… on their own lines
    label: str = ""  # the number of an inline sub-item: “1.2” for (2) of item 1
    lines: list[tuple[int, str]] = field(default_factory=list)  # continuation lines


# A responsibility note on its own line: “责任单位:市发改委”, “完成时限:2025年12月底前”.
_NOTE_LINE = re.compile(r"^\s*" + _NOTE_KEYS.pattern)
_PAGE_MARK = re.compile(r"^[—\-–\s]*\d{1,3}[—\-–\s]*$")
_INLINE_SUB = re.compile(r"(?:(?<=^)|(?<=[。;:)]))\((\d{1,2})\)")


def _read_notes(block: _Block):
    n = norm(block.text)
    pieces, last = [], 0
    for s, e in bracket_groups(n):
        at_end = not re.sub(r"[\s。.;]", "", n[e:])
        note = parse_note(block.text[s + 1 : e - 1], bare=at_end)
        if note is not None:
            block.notes.append(note)
            pieces.append(block.text[last:s])
            last = e
    pieces.append(block.text[last:])
    if block.note_lines:
        note = parse_note(";".join(block.note_lines))
        if note is not None:
            block.notes.append(note)
    block.body = re.sub(r"\s+", "", "".join(pieces)).strip()
    block.body = re.sub(r"^[;;,,]+|[;;,,]+$", "", block.body)


def _has_note(text: str) -> bool:
    n = norm(text)
    return any(parse_note(text[s + 1 : e - 1]) is not None for s, e in bracket_groups(n))


def _wrapped(prev: str, nline: str) -> bool:
    """Whether ``nline`` continues a note line the printed page wrapped: the note line ran to
    the page width (20+ characters, no closing 。) and the next line is short, unnumbered and
    not a note of its own."""
    return (
        len(prev) >= 20
        and not norm(prev).rstrip().endswith(("。", ";"))
        and len(nline) <= 30
        and ":" not in nline
        and not any(p.match(nline) for _lv, p in _MARKERS)
    )


def _split_paragraphs(block: _Block) -> list[_Block]:
    """A heading followed by unnumbered paragraphs that each end with their own note
    (“落实……(牵头单位:A)” / “对外商投资……(牵头单位:B)”): each paragraph is an item under
    the heading, numbered in order. One such paragraph stays the heading's body (a task written
    as a heading with its text on the next line)."""
    if not block.lines or _has_note(block.text.split("\n", 1)[0]):
        return []
    noted = [i for i, (_ln, line) in enumerate(block.lines) if _has_note(line)]
    if len(noted) < 2:
        return []
    children, start = [], 0
    for k, i in enumerate(noted, start=1):
        seg = block.lines[start : i + 1]
        children.append(_Block(block.level + 0.5, k, "\n".join(x for _l, x in seg), seg[0][0]))
        start = i + 1
    block.text = block.text.split("\n", 1)[0]
    block.lines = []
    return children


def _split_inline(block: _Block) -> list[_Block]:
    """Sub-items written inline in one paragraph, each with its own note:
    “1.深化商事制度改革。(1)……(A牵头负责)(2)……(A牵头负责)”."""
    n = norm(block.text)
    marks = [
        m
        for m in _INLINE_SUB.finditer(n)
        if not any(s < m.start() < e for s, e in bracket_groups(n))
    ]
    nums = [int(m.group(1)) for m in marks]
    if len(marks) < 2 or nums != list(range(1, len(marks) + 1)):
        return []
    parts = [
        block.text[m.start() : (marks[i + 1].start() if i + 1 < len(marks) else len(n))]
        for i, m in enumerate(marks)
    ]
    if not all(_has_note(p) for p in parts):
        return []
    children = []
    for m, part in zip(marks, parts, strict=True):
        body = part[m.end() - m.start() :]
        child = _Block(block.level + 0.5, int(m.group(1)), body, block.line)
        child.label = f"{block.num}.{child.num}"
        children.append(child)
    block.text = block.text[: marks[0].start()]
    return children


# --- tables pasted as text -----------------------------------------------------------------


def _cells(line: str) -> list[str]:
    """A text row's cells: split on | or tabs (empty cells kept, columns stay aligned), else on
    runs of two or more spaces."""
    line = line.strip()
    if "|" in line:
        return [c.strip() for c in line.strip("|").split("|")]
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return [c for c in re.split(r" {2,}", line) if c]


def text_table_rows(text: str) -> list[tuple[int, list[str]]] | None:
    """A task table pasted as text: either one row per line (cells separated by |, tabs or
    runs of spaces) or one cell per line (as web pages render tables: “序号 |”, “任务 |”, …).
    Returns spreadsheet rows with their line numbers, or None when there is no such table."""
    lines = [(i, ln.strip()) for i, ln in enumerate(text.split("\n"), start=1) if ln.strip()]
    for idx, (ln, line) in enumerate(lines):
        cells = _cells(line)
        if not cells or norm(cells[0]) != "序号":
            continue
        title = [(lno, [x]) for lno, x in lines[:idx]]
        if len(cells) > 1:  # one row per line
            cols = _header_map(cells)
            if "content" in cols and ("lead" in cols or "responsible" in cols):
                return title + [(ln, cells)] + [(lno, _cells(x)) for lno, x in lines[idx + 1 :]]
            continue
        header = [cells[0]]
        j = idx + 1
        while j < len(lines) and len(header) < 8:
            cell = _cells(lines[j][1])
            c = cell[0] if len(cell) == 1 else ""
            if not c or re.fullmatch(r"\d{1,3}", c) or len(c) > 12 or _MEASURE_NUM.match(norm(c)):
                break
            header.append(c)
            j += 1
        cols = _header_map(header)
        if "content" not in cols or "lead" not in cols:
            continue
        rows = title + [(ln, header)]
        width = len(header)
        while j < len(lines):
            lno, x = lines[j]
            c = " ".join(_cells(x))
            if re.fullmatch(r"\d{1,3}", c) and j + width - 1 < len(lines):
                rows.append(
                    (lno, [c] + [" ".join(_cells(y)) for _l, y in lines[j + 1 : j + width]])
                )
                j += width
            else:
                rows.append((lno, [c]))  # a section row (一、… / (一)…)
                j += 1
        return rows
    return None


def _title_of(block: _Block) -> str:
    t = block.body
    m = re.search(r"[。;;]", t)
    if m and m.start() > 0:
        t = t[: m.start()]
    return re.sub(r"[。:: ]+$", "", t.strip())


def parse_document(text: str, year: int | None = None) -> ParseResult:
    """Parse a programme's text: numbered headings become measures, numbered paragraphs with
    a responsibility note become tasks (see docs/reforms.md for the house styles)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    table = text_table_rows(text)
    if table:
        tabled = parse_rows(table, year or _detect_year(text))
        if tabled.tasks:
            m = _DOC_NUMBER.search(text[:2000])
            tabled.doc_number = m.group(0) if m else ""
            return tabled
    result = ParseResult(source="document")
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
        if _PAGE_MARK.match(nline):
            continue  # “— 3 —”, a printed page number
        if blocks and _NOTE_LINE.match(nline):
            blocks[-1].note_lines.append(line)
            continue
        if blocks and blocks[-1].note_lines and _wrapped(blocks[-1].note_lines[-1], nline):
            blocks[-1].note_lines[-1] += line  # a note line wrapped onto the next line
            continue
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
                blocks[-1].lines.append((lineno, line))
    expanded: list[_Block] = []
    for b in blocks:
        expanded.append(b)
        expanded += _split_paragraphs(b) or _split_inline(b)
    blocks = expanded
    for b in blocks:
        _read_notes(b)
    # “(第一责任单位为牵头单位,下同)”: the document states that the first listed unit leads.
    convention = any(n.convention for b in blocks for n in b.notes)

    noted = []
    for i, b in enumerate(blocks):
        if b.notes and all(n.overall for n in b.notes):
            child = next((c for c in blocks[i + 1 :] if c.level > b.level), None)
            if child is not None and (blocks.index(child) == i + 1):
                noted.append(child.level)  # 总牵头单位 on a section: its items are the tasks
                continue
        if b.notes:
            noted.append(b.level)
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
                    _("无法解析：第%(num)s项未写明牵头单位（应如“（牵头单位：……）”）。")
                    % {"num": t.num},
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
            deadline_source = content
        uncertain = []
        if not convention and any(n.lead_inferred for n in notes):
            uncertain.append("lead_units")
        if dl.kind == "none" or (deadline_source is content and dl.found > 1):
            uncertain.append("deadline")  # none stated, or several dates in the text
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
                "uncertain": uncertain,
                "note": ";".join(n.remark for n in notes if n.remark),
            }
        )
        if not leads:
            result.error(t.line, "lead_units", _("未写明牵头单位。"))

    # Numbering restarts under each measure → qualify as “measure.task”.
    numbers = [r["block"].num for r in raw]
    qualify = len(set(numbers)) < len(numbers) and len({r["measure_number"] for r in raw}) > 1
    for r in raw:
        b = r["block"]
        number = b.label or (f"{r['measure_number']}.{b.num}" if qualify else str(b.num))
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
                uncertain_fields=r["uncertain"],
                note=r["note"],
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
    (
        "content",
        [
            "任务内容",
            "工作任务",
            "具体任务",
            "主要任务",
            "工作内容",
            "具体措施",
            "重点工作",
            "任务",
        ],
    ),
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
    if "content" not in found and "outputs" in found:
        found["content"] = found.pop("outputs")  # “2022年预期目标” is the task itself
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
    r"^\s*(?:([一二三四五六七八九十百]+)[、.]|\(([一二三四五六七八九十百\d]+)\)|(\d{1,3})(?:、|\.(?!\d)))\s*"
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
        result.error(0, "file", _("未找到表头：至少需要“任务内容”和“牵头单位”两列。"))
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
        if len(nonempty) == 1 and (not lead_text or sum(1 for c in cells if c) > 1):
            # a section row: one cell, or one text spanning the table (merged cells)
            current_measure = next(iter(nonempty))  # a section row spanning the table
            continue
        measure_cell = _flat(get(cells, "measure"))
        if measure_cell:
            current_measure = measure_cell
        leader_cell = get(cells, "leader")
        if leader_cell:
            current_leader = leader_cell
        if not content and not lead_text:
            result.error(ln, "content", _("无法解析：既无任务内容也无牵头单位。"))
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
            r.error(0, "file", _("无法读取Excel文件，请确认是有效的 .xlsx 文件。"))
            return r
        return parse_rows(rows, year)
    if ext == ".csv":
        return parse_rows(csv_rows(data), year)
    if ext == ".docx":
        try:
            text, tables = docx_content(data)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
            r = ParseResult()
            r.error(0, "file", _("无法读取Word文件，请确认是有效的 .docx 文件。"))
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
        _("不支持的文件类型“%(ext)s”：请上传 .xlsx、.csv、.docx 或 .txt 文件。") % {"ext": ext},
    )
    return r
