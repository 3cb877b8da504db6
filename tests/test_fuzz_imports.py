"""Bad-input fuzzing of every CSV import (DESIGN §6).

Contract under test: every import checks the whole file first and applies all
or nothing; a bad row is reported as ``FILE:LINE: reason``; a refused command
leaves the database byte-for-byte unchanged; errors are one line each, never a
traceback; exit 1 for refusals only, 2 as soon as any input is bad.

Two layers:

1. In-process property tests (hypothesis): hostile files — encodings, broken
   headers and rows, odd numbers, formula-like text, control characters, long
   lines, NUL bytes — go through ``csvio.read_rows`` and the domain functions
   exactly as the handlers in ``modelunit/cli/commands.py`` call them.
2. A few subprocess runs of the real command line (slow: each one signs in
   through the deliberately slow password hash).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelunit import csvio
from modelunit.domain import assignment, audit, context, nomination, selfcheck, sheets, units, vetoes
from modelunit.domain.models import User, from_dict
from modelunit.errors import BadInput, LineErrors, ModelUnitError, Refused
from modelunit.i18n import one_line
from modelunit.storage.database import Database
from tests.conftest import World, create_campaign, examples
from tests.helpers import FULL, score, self_score, to_inspection, to_nomination

# ----------------------------------------------------------------------------- the imports, as the CLI runs them


def _unit(ctx, path):  # commands.cmd_unit_import
    rows = csvio.read_rows(path, ("code", "name", "type"), ("contact", "phone"))
    return units.import_units(ctx, rows, path)


def _selfcheck(ctx, path):  # commands.cmd_selfcheck_import
    rows = csvio.read_rows(path, ("unit", "item", "score"), ("note", "indicator"))
    return selfcheck.import_selfcheck(ctx, rows, path)


def _material(ctx, path):  # commands.cmd_material_import
    rows = csvio.read_rows(path, ("unit", "criterion", "path"), ("title",))
    requests, lines = nomination.material_rows(rows, path)
    return nomination.add_materials(ctx, requests, label=path, lines=lines)


def _inspect(ctx, path):  # commands.cmd_inspect_import
    rows = csvio.read_rows(path, ("unit", "inspector"))
    pairs = [(r.get("unit", "").strip(), r.get("inspector", "").strip()) for _, r in rows]
    return assignment.assign(ctx, pairs, label=path, lines=[line for line, _ in rows])


def _score(ctx, path):  # commands.cmd_score_import (no --reason)
    rows = csvio.read_rows(path, ("unit", "inspector", "item", "score"), ("note",))
    return sheets.import_scores(ctx, rows, path, reason="")


def _satisfaction(ctx, path):  # commands.cmd_satisfaction_import
    rows = csvio.read_rows(path, ("unit", "score"))
    return vetoes.import_satisfaction(ctx, rows, path)


@dataclass(frozen=True)
class Spec:
    run: object
    required: tuple[str, ...]
    optional: tuple[str, ...]
    stage: str  # which prepared database the import runs against
    actors: tuple[str, ...]  # who tries it: an admin and a role with narrower rights


SPECS = {
    "unit": Spec(_unit, ("code", "name", "type"), ("contact", "phone"), "selfcheck", ("office", "clerk1")),
    "selfcheck": Spec(_selfcheck, ("unit", "item", "score"), ("note", "indicator"), "selfcheck",
                      ("office", "clerk1")),
    "material": Spec(_material, ("unit", "criterion", "path"), ("title",), "evidence", ("office", "clerk1")),
    "inspect": Spec(_inspect, ("unit", "inspector"), (), "nomination", ("office", "i1")),
    "score": Spec(_score, ("unit", "inspector", "item", "score"), ("note",), "inspection", ("office", "i1")),
    "satisfaction": Spec(_satisfaction, ("unit", "score"), (), "inspection", ("office", "i1")),
}

# ----------------------------------------------------------------------------- prepared databases


def _stage_selfcheck(w: World) -> None:
    create_campaign(w)
    self_score(w, "U4")
    selfcheck.submit_selfcheck(w.ctx(), ["U4"])  # U4 frozen: its self-check rows are refused


def _stage_evidence(w: World) -> None:
    to_nomination(w, codes=("U1", "U2", "U4"))  # stage nomination, nobody nominated yet


def _stage_nomination(w: World) -> None:
    to_nomination(w, codes=("U1", "U2", "U4"))
    nomination.nominate(w.ctx(), ["U1", "U2"])  # U4 submitted but not nominated, U3 only registered


def _stage_inspection(w: World) -> None:
    to_inspection(w)  # U1, U2, U4 nominated, i1 and i2 assigned
    score(w, "U4", "i1", FULL)
    sheets.submit_scores(w.ctx("i1"), "U4")  # a locked sheet


STAGE_BUILDERS = {"selfcheck": _stage_selfcheck, "evidence": _stage_evidence, "nomination": _stage_nomination,
                  "inspection": _stage_inspection}


@pytest.fixture(scope="module")
def stages(template_dir, tmp_path_factory) -> dict[str, bytes]:
    """The database bytes at each stage, built once through the domain layer."""
    out = {}
    for name, build in STAGE_BUILDERS.items():
        folder = tmp_path_factory.mktemp(f"stage-{name}")
        shutil.copy(template_dir / "mu.json", folder / "mu.json")
        shutil.copy(template_dir / "criteria.yaml", folder / "criteria.yaml")
        build(World(dir=folder, db=Database(str(folder / "mu.json")), criteria=folder / "criteria.yaml"))
        out[name] = (folder / "mu.json").read_bytes()
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """Where each example writes its CSV and database; evidence files for ``material import``."""
    folder = tmp_path_factory.mktemp("fuzz-imports")
    (folder / "files").mkdir()
    (folder / "files" / "a.txt").write_text("台账 A", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\x00\xff binary evidence")
    (folder / "台账 材料.txt").write_text("中文文件名", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "dir").mkdir()
    return folder


# ----------------------------------------------------------------------------- hostile files

FORMULAS = ['=HYPERLINK("http://evil.example","点击")', "+1", "-1+1", "@SUM(A1:A9)", "=cmd|' /C calc'!A0",
            "=1+1", "+86 10 1234", "-", "=", "@"]
ODD_TEXT = ["a,b", '"quoted"', 'x"y', "line1\nline2", "cr\rhere", "crlf\r\nhere", "ctl\x01\x07\x1b[31mred",
            "\u202eRTL", "\u3000全角空格\u3000", "𠀀𠀁", "\ufeffbom", "nel\x85", "ls\u2028ps\u2029", "{key}", "{0}",
            "%s", "\\", "城关镇人民政府", "名" * 200]
NUMBERS = ["0", "1", "2", "3.5", "4", "5", "6", "5.0", " 3 ", "３", "３.５", "٣", "-0", "+1", "-1", "-0.5",
           "1e309", "1E2", "9" * 400, "9" * 40, "NaN", "nan", "inf", "-inf", "Infinity", "0x10", "1,000",
           "1_000", "½", "4.", ".5", "0.25", "100", "100.001", "99.99", "50.005", "101", "abc", "=1+1", "",
           "\u00a03", "6.0000000000000000000000000000000000001", "0" * 39 + "1", "4.25", "7"]
PATHS = ["files/a.txt", "b.txt", "台账 材料.txt", " b.txt ", "empty.txt", "files/../b.txt", "missing.txt", "dir",
         ".", "..", "../b.txt", "/", "/nonexistent/x.txt", "a" * 5000, "files/", "*.txt", "~/x", ""]
NO_NUL = st.characters(exclude_characters="\x00")  # NUL bytes are injected on purpose below


def _text(size: int) -> st.SearchStrategy[str]:
    return st.text(NO_NUL, max_size=size)


FREE_VALID = st.one_of(st.sampled_from(["", "自评说明", "  留白  "] + FORMULAS + ODD_TEXT), _text(30))
# Values the prepared databases accept (for some actor), then values they must refuse.
VALID = {
    "code": st.sampled_from(["U1", "U2", "U3", "U5", "U6", " U7 ", "A-1.b_2", "Z" * 32]),
    "name": st.one_of(st.sampled_from(FORMULAS + ODD_TEXT), _text(20).filter(lambda s: s.strip())),
    "type": st.sampled_from(["township", "street", "department", "other", "乡镇", "街道", "区直部门", "部门",
                             "其他", " 乡镇 "]),
    "unit": st.sampled_from(["U1", "U2", " U1 ", "U4"]),
    "item": st.sampled_from(["A1", "A2", "B1", "B2", " A1 "]),
    "score": st.sampled_from(["0", "1", "2", "1.5", " 2 ", "-0", "+1", ".5", "2.", "２", "0.50"]),
    "indicator": st.sampled_from(["", "98", " 99.5 ", "-0", "１００"]),
    "inspector": st.sampled_from(["i1", "i2", " i1 "]),
    "criterion": st.sampled_from(["A", "B", " A "]),
    "path": st.sampled_from(PATHS[:6]),
}
HOSTILE = {
    "code": st.sampled_from(["", "u 1", "Ｕ1", "U1|x", "../U1", "A" * 33, "=HYPERLINK(1)", "U-ü", "U1\x0b2"]),
    "name": st.sampled_from(["", " ", "\t", "名" * 201, "x" * 5000]),
    "type": st.sampled_from(["TOWNSHIP", "镇", "", "township ,", "=1"]),
    "unit": st.sampled_from(["U3", "U9", "", "u1", "Ｕ1", "U1|x", "2024-1|U1", "../U1", "A" * 33, "=A1"]),
    "item": st.sampled_from(["X1", "V1", "A", "a1", "", "A1;B1", "Ａ1", "B3"]),
    "score": st.sampled_from(NUMBERS),
    "indicator": st.sampled_from(["abc", "1e3", "NaN", "inf", "½"]),
    "inspector": st.sampled_from(["i3", "office", "clerk1", "nobody", "", "I1", "i1,i2"]),
    "criterion": st.sampled_from(["C", "a", "", "A1", "V1"]),
    "path": st.sampled_from(PATHS[6:]),
}
KEYS = {"unit": ("code",), "selfcheck": ("unit", "item"), "score": ("unit", "inspector", "item"),
        "satisfaction": ("unit",)}

ALIASES = {"code": ["单位代码", "代码"], "name": ["单位名称", "名称"], "type": ["类型", "单位类型"],
           "contact": ["联系人"], "phone": ["电话", "联系电话"], "unit": ["单位"], "item": ["要点", "考核要点"],
           "score": ["得分", "分数", "满意度"], "note": ["备注"], "indicator": ["指标"], "inspector": ["考察人员"],
           "criterion": ["标准"], "path": ["路径", "文件"], "title": ["标题"]}

LONG = ["9" * 100_000, "x" * 131_073, "名" * 70_000, "," * 200_000]  # around the csv module's 131072 limit


def _valid(col: str):
    return VALID.get(col, FREE_VALID)


def _hostile(col: str):
    return st.one_of(HOSTILE.get(col, st.sampled_from(FORMULAS + ODD_TEXT + NUMBERS + LONG)), _text(12))


@st.composite
def hostile_csv(draw, kind: str) -> bytes:
    """A CSV file for ``kind``: clean, clean but for one thing, or broken everywhere.

    The clean files reach the domain rules (and are often accepted); the others
    exercise every way a file can be wrong, from one cell to the bytes themselves.
    """
    spec = SPECS[kind]
    mode = draw(st.sampled_from(["clean", "one_bad", "one_bad", "chaos"]), label="mode")
    cols = list(spec.required)
    if spec.optional:
        cols += draw(st.lists(st.sampled_from(spec.optional), unique=True))
    cols = draw(st.permutations(cols))
    shapes = ["ok", "ok", "alias", "upper", "padded"]
    broken_shapes = ["drop", "unknown", "dup", "blank", "trailing_blank", "none"]
    shape = draw(st.sampled_from(shapes + (broken_shapes if mode == "chaos" else [])))
    header = list(cols)
    if shape == "alias":
        header = [draw(st.sampled_from(ALIASES[c])) for c in header]
    elif shape == "upper":
        header = [c.upper() for c in header]
    elif shape == "padded":
        header = [f" {c}\t" for c in header]
    elif shape == "drop":
        header.pop(draw(st.integers(0, len(header) - 1)))
    elif shape == "unknown":
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["extra", "分数2", "=A1", "cod e"])))
    elif shape == "dup":
        header.append(draw(st.sampled_from(header)))
    elif shape == "blank":
        header.insert(draw(st.integers(0, len(header))), "")
    elif shape == "trailing_blank":
        header += ["", ""]
    rows = []
    for _ in range(draw(st.integers(1 if mode != "chaos" else 0, 6))):
        pick = _hostile if mode == "chaos" and draw(st.booleans()) else _valid
        rows.append([draw(pick(c)) for c in cols])
    if mode != "chaos" and kind in KEYS:  # no accidental duplicate keys in a clean file
        seen, unique = set(), []
        for row in rows:
            key = tuple(row[cols.index(c)].strip() for c in KEYS[kind])
            if key not in seen:
                seen.add(key)
                unique.append(row)
        rows = unique
    if mode == "one_bad":
        what = draw(st.sampled_from(["cell", "cell", "cell", "short", "extra", "long"]))
        i = draw(st.integers(0, len(rows) - 1))
        if what == "cell":
            j = draw(st.integers(0, len(cols) - 1))
            rows[i][j] = draw(_hostile(cols[j]))
        elif what == "short":
            rows[i] = rows[i][:draw(st.integers(0, len(rows[i]) - 1))]
        elif what == "extra":
            rows[i] = rows[i] + [draw(st.sampled_from(["x", "=1+1", "0"]))]
        else:
            rows[i][draw(st.integers(0, len(cols) - 1))] = draw(st.sampled_from(LONG))
    forms = ["ok"] * 4 + ["extra_blank", "blank", "commas"] + (["short", "extra"] if mode == "chaos" else [])
    shaped = []
    for row in rows:
        form = draw(st.sampled_from(forms))
        if form == "short":
            row = row[:draw(st.integers(0, len(row) - 1))]
        elif form == "extra_blank":  # what Excel leaves after the last column: harmless
            row = row + ["", " "]
        elif form == "extra":
            row = row + [draw(FREE_VALID)]
        elif form == "blank":  # blank lines are skipped but still counted
            shaped.append([])
        elif form == "commas":
            shaped.append([""] * (len(row) + 2))
        shaped.append(row)
    rows = shaped
    records = ([header] if shape != "none" else []) + rows
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    style = draw(st.sampled_from(["minimal", "all"] + (["naive"] if mode == "chaos" else [])))
    if style == "naive":  # no quoting at all: commas, quotes and newlines in values break the rows
        text = eol.join(",".join(r) for r in records)
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=eol,
                   quoting=csv.QUOTE_ALL if style == "all" else csv.QUOTE_MINIMAL).writerows(records)
        text = buf.getvalue()
    text = draw(st.sampled_from(["", eol, eol * 3, "  " + eol])) + text + draw(st.sampled_from(["", eol, eol * 2]))
    encodings = ["utf-8", "utf-8-sig", "gb18030"] + (["latin-1", "utf-16"] if mode == "chaos" else [])
    data = text.encode(draw(st.sampled_from(encodings)), errors="replace")
    damage = draw(st.sampled_from([None, "nul", "garbage", "truncate", "bom_gb18030"] if mode == "chaos" else [None]))
    if damage and data:
        at = draw(st.integers(0, len(data)))
        if damage == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif damage == "garbage":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif damage == "truncate":
            data = data[:at]
        else:
            data = "\ufeff".encode("gb18030") + data
    return data


# ----------------------------------------------------------------------------- the property

MAX_SECONDS = 1.0


@dataclass
class Outcome:
    error: ModelUnitError | None
    seconds: float


def _physical_lines(data: bytes) -> int:
    # Undecodable bytes are still counted in lines: an encoding error names the line it is on.
    text = csvio.decode(data) or data.decode("latin-1")
    return max(1, len(io.StringIO(text, newline="").readlines()))


def _fresh_db(workdir: Path, stages: dict[str, bytes], stage: str) -> Database:
    path = workdir / "mu.json"
    path.write_bytes(stages[stage])
    return Database(str(path))  # a new object: nothing cached from the previous example


def _actor(db: Database, name: str) -> User:
    return from_dict(User, db.snapshot().users.get(name))


def attempt(kind: str, db: Database, actor: str, csv_path: str) -> Outcome:
    """Run one import and check the contract whichever way it ends."""
    ctx = context.Context(db, _actor(db, actor))
    before = Path(db.path).read_bytes()
    # CPU time: the bound is against a pathological import, not against other jobs on the machine.
    start = time.process_time()
    try:
        SPECS[kind].run(ctx, csv_path)
    except ModelUnitError as e:
        seconds = time.process_time() - start
        assert Path(db.path).read_bytes() == before, "a refused import changed the database"
        check_error(e, csv_path, _physical_lines(Path(csv_path).read_bytes()) if Path(csv_path).is_file() else 1)
        return Outcome(e, seconds)
    seconds = time.process_time() - start
    snap = db.snapshot()  # the saved file still loads, and its audit chain holds
    assert audit.verify(snap).ok
    return Outcome(None, seconds)


def check_error(e: ModelUnitError, csv_path: str, physical_lines: int) -> None:
    assert e.exit_code in (1, 2)
    if isinstance(e, LineErrors):
        assert e.problems
        assert e.exit_code == (2 if any(isinstance(p, BadInput) for _, _, p in e.problems) else 1)
        for path, line, problem in e.problems:
            assert path == csv_path
            assert isinstance(line, int) and 1 <= line <= physical_lines, (line, physical_lines)
            assert isinstance(problem, (BadInput, Refused)), problem
        lines = e.lines()
        assert len(lines) == len(e.problems)
        pattern = re.compile(re.escape(one_line(csv_path)) + r":\d+: \S")  # control characters shown as spaces
        for text in lines:
            assert pattern.match(text), text[:200]
            assert "\n" not in text and "\r" not in text, text[:200]
    else:
        message = e.render()
        assert message.strip() and "\n" not in message and "\r" not in message, message[:200]


FUZZ = settings(max_examples=int(os.environ.get("FUZZ_IMPORT_EXAMPLES") or examples(120)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

def _fuzz(kind: str, stages, workdir, data: bytes, actor: str) -> Outcome:
    db = _fresh_db(workdir, stages, SPECS[kind].stage)
    csv_path = str(workdir / f"{kind}.csv")
    Path(csv_path).write_bytes(data)
    outcome = attempt(kind, db, actor, csv_path)
    e = outcome.error
    event("accepted" if e is None else
          f"exit {e.exit_code}: " + (e.problems[0][2].key if isinstance(e, LineErrors) else e.key))
    assert outcome.seconds < MAX_SECONDS, f"{kind} import took {outcome.seconds:.2f} s"
    return outcome


@pytest.mark.parametrize("kind", [k for k in SPECS if k != "unit"])
@FUZZ
@given(data=st.data())
def test_fuzz_import_never_crashes_and_refuses_cleanly(kind, stages, workdir, data):
    csv_bytes = data.draw(hostile_csv(kind), label="csv")
    _fuzz(kind, stages, workdir, csv_bytes, data.draw(st.sampled_from(SPECS[kind].actors), label="actor"))


@FUZZ
@given(csv_bytes=hostile_csv("unit"), actor=st.sampled_from(SPECS["unit"].actors))
def test_fuzz_unit_import_stores_formula_like_names_verbatim(stages, workdir, csv_bytes, actor):
    """Unit import as above; what is accepted is stored exactly as the (stripped) cell text."""
    outcome = _fuzz("unit", stages, workdir, csv_bytes, actor)
    if outcome.error is None:
        csv_path = str(workdir / "unit.csv")
        stored = Database(str(workdir / "mu.json")).snapshot().units
        for _line, row in csvio.read_rows(csv_path, ("code", "name", "type"), ("contact", "phone")):
            doc = stored.get(row["code"].strip())
            assert isinstance(doc["name"], str) and doc["name"] == row["name"].strip()
            assert doc["contact"] == row.get("contact", "").strip()
            assert doc["phone"] == row.get("phone", "").strip()


# ----------------------------------------------------------------------------- targeted in-process cases

FORMULA_NAMES = ['=HYPERLINK("http://evil.example","点击")', "+1", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0"]


def _write(workdir: Path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = workdir / name
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_formula_like_unit_names_are_stored_as_text(stages, workdir, encoding):
    db = _fresh_db(workdir, stages, "selfcheck")
    buf = io.StringIO()
    csv.writer(buf).writerows([["code", "name", "type", "phone"]] +
                              [[f"F{i}", name, "其他", name] for i, name in enumerate(FORMULA_NAMES)])
    path = _write(workdir, "formula.csv", buf.getvalue(), encoding)
    assert attempt("unit", db, "office", path).error is None
    stored = db.snapshot().units
    for i, name in enumerate(FORMULA_NAMES):
        assert stored.get(f"F{i}")["name"] == name
        assert stored.get(f"F{i}")["phone"] == name


HOSTILE_NUMBERS = ["1e309", "9" * 400, "NaN", "inf", "-inf", "Infinity", "-1", "0x10", "1,000", "½", "abc",
                   "=1+1", "", "7", "4.25"]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_self_scores_are_bad_input_on_their_line(stages, workdir, value):
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "self.csv", f'unit,item,score\r\nU1,A1,6\r\nU1,A2,"{value}"\r\n')
    e = attempt("selfcheck", db, "office", path).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [line for _, line, _ in e.problems] == [3]


@pytest.mark.parametrize("value,stored", [("-0", "0"), (" 3 ", "3"), ("+1", "1"), ("4.", "4"), (".5", "0.5")])
def test_lenient_numbers_are_stored_as_plain_ascii(stages, workdir, value, stored):
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "self.csv", f"unit,item,score\nU1,A1,{value}\n")
    assert attempt("selfcheck", db, "office", path).error is None
    assert db.snapshot().entries.get("2024-1|U1")["selfcheck"]["A1"]["score"] == stored


@pytest.mark.parametrize("value", ["1e309", "9" * 400, "NaN", "inf", "-0.01", "100.01", "50.005", "abc", ""])
def test_hostile_satisfaction_is_bad_input(stages, workdir, value):
    db = _fresh_db(workdir, stages, "inspection")
    path = _write(workdir, "sat.csv", f"单位,满意度\nU1,95\n\nU2,{value}\n")
    e = attempt("satisfaction", db, "office", path).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [line for _, line, _ in e.problems] == [4]


def test_every_bad_row_is_reported_and_nothing_is_written(stages, workdir):
    db = _fresh_db(workdir, stages, "inspection")
    text = ("unit,inspector,item,score,note\n"
            "U1,i1,A1,6,ok\n"
            "U1,i1,A2,4.25,not a step\n"
            "U9,i1,A1,1,unknown unit\n"
            "U1,nobody,A1,1,unknown inspector\n"
            "U1,i1,Z9,1,unknown item\n"
            "U1,i1,X1,3,bonus over its points\n"
            "U1,i1,A1,5,duplicate\n"
            'U1,i1,B1,"5",\n')
    e = attempt("score", db, "office", _write(workdir, "scores.csv", text)).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [line for _, line, _ in e.problems] == [3, 4, 5, 6, 7, 8]


def test_material_paths_are_relative_to_the_csv_folder(stages, workdir):
    db = _fresh_db(workdir, stages, "evidence")
    sub = workdir / "sub"
    sub.mkdir(exist_ok=True)
    (sub / "here.txt").write_text("here", encoding="utf-8")
    bad = _write(workdir, "sub/mat.csv", "unit,criterion,path\nU1,A,here.txt\nU1,B,files/a.txt\nU1,B,.\n"
                                         "U1,C,here.txt\nU9,A,here.txt\n")
    e = attempt("material", db, "office", bad).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [line for _, line, _ in e.problems] == [3, 4, 5, 6]
    good = _write(workdir, "sub/mat.csv", "单位,标准,路径,标题\nU1,A,here.txt,=HYPERLINK(\"x\")\nU1,B,../b.txt,\n")
    assert attempt("material", db, "office", good).error is None
    titles = [m["title"] for m in db.snapshot().entries.get("2024-1|U1")["materials"]]
    assert titles[-2:] == ['=HYPERLINK("x")', "b.txt"]


def test_inspect_import_reports_unknown_names_and_recusal(stages, workdir):
    db = _fresh_db(workdir, stages, "nomination")
    text = "unit,inspector\nU1,i1\nU1,nobody\nU9,i1\nU1,clerk1\nU3,i1\nU4,i2\n"
    e = attempt("inspect", db, "office", _write(workdir, "team.csv", text)).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [line for _, line, _ in e.problems] == [3, 4, 5, 6, 7]


FILE_LEVEL = {"missing": None, "directory": "DIR", "empty": b"", "bom only": b"\xef\xbb\xbf",
              "blank lines": b"\r\n \r\n,,\r\n", "utf-16": "unit\n".encode("utf-16"), "nul": b"unit\x00\n",
              "unterminated": b'"unit,score\nU1,1\n'}


@pytest.mark.parametrize("case", FILE_LEVEL)
@pytest.mark.parametrize("kind", SPECS)
def test_file_level_problems_are_bad_input_for_every_import(stages, workdir, kind, case):
    db = _fresh_db(workdir, stages, SPECS[kind].stage)
    path = workdir / f"file-level-{kind}.csv"
    if path.is_dir():
        path.rmdir()
    elif path.exists():
        path.unlink()
    data = FILE_LEVEL[case]
    if data == "DIR":
        path.mkdir()
    elif data is not None:
        path.write_bytes(data)
    e = attempt(kind, db, "office", str(path)).error
    assert isinstance(e, BadInput | LineErrors) and e.exit_code == 2, e
    if isinstance(e, LineErrors):
        assert len(e.problems) == 1


# ----------------------------------------------------------------------------- permissions against bad input


def test_permission_problem_plus_bad_input_is_bad_input(stages, workdir):
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "self.csv", "unit,item,score\nU1,A1,6\nU2,A1,6\nU1,A2,NaN\n")
    e = attempt("selfcheck", db, "clerk1", path).error
    assert isinstance(e, LineErrors) and e.exit_code == 2
    assert [(line, type(p)) for _, line, p in e.problems] == [(3, Refused), (4, BadInput)]


def test_only_permission_problems_are_a_refusal(stages, workdir):
    db = _fresh_db(workdir, stages, "inspection")
    path = _write(workdir, "scores.csv", "unit,inspector,item,score\nU1,i1,A1,6\nU1,i2,A1,6\nU2,i2,A2,4\n")
    e = attempt("score", db, "i1", path).error
    assert isinstance(e, LineErrors) and e.exit_code == 1
    assert [line for _, line, _ in e.problems] == [3, 4]


# ----------------------------------------------------------------------------- findings (may fail until fixed)


def test_excel_trailing_empty_header_cells_are_harmless(stages, workdir):
    """Rows with trailing empty fields are accepted (Excel writes them); Excel writes the same trailing
    commas on the header line, which is refused as 'unknown columns: ' naming no column."""
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "units.csv", "code,name,type,,\r\nU7,新华镇,乡镇,,\r\n", "gb18030")
    outcome = attempt("unit", db, "office", path)
    assert outcome.error is None, outcome.error.lines() if isinstance(outcome.error, LineErrors) else outcome.error


def test_gb18030_file_with_its_bom_is_read(stages, workdir):
    """A GB18030 file may start with the GB18030 encoding of U+FEFF (84 31 95 33)."""
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "units.csv", "\ufeffcode,name,type\nU7,新华镇,乡镇\n", "gb18030")
    outcome = attempt("unit", db, "office", path)
    assert outcome.error is None, outcome.error.lines() if isinstance(outcome.error, LineErrors) else outcome.error


def test_a_too_long_unit_name_is_not_reported_as_empty(stages, workdir):
    """``import_units`` refuses a 201-character name with ``unit.bad_name``, whose text says the name
    is empty ("单位名称不能为空" / "the unit name may not be empty")."""
    db = _fresh_db(workdir, stages, "selfcheck")
    path = _write(workdir, "units.csv", "code,name,type\nU7," + "名" * 201 + ",乡镇\n")
    e = attempt("unit", db, "office", path).error
    assert isinstance(e, LineErrors) and [line for _, line, _ in e.problems] == [2]
    assert "200" in e.lines()[0], e.lines()[0]


@pytest.mark.parametrize("name", ["bad\nname.csv", "no\nsuch.csv"])
def test_error_lines_stay_one_line_when_the_file_name_has_a_newline(stages, workdir, name):
    """The CLI prints ``LineErrors.lines()`` and ``render()`` as they are; a newline in the CSV's own
    name (legal on Linux) splits the message over two lines."""
    db = _fresh_db(workdir, stages, "inspection")
    path = workdir / name
    if name.startswith("bad"):
        path.write_bytes(b"unit,score\nU1,9\x005\n")
    e = attempt("satisfaction", db, "office", str(path)).error
    assert e is not None
    texts = e.lines() if isinstance(e, LineErrors) else [e.render()]
    assert all("\n" not in text for text in texts), texts


# ----------------------------------------------------------------------------- the real command line

LINE = re.compile(r"^(?P<file>[^:]+\.csv):(?P<line>\d+): \S")


def cli_refuses(world, args, code=2, lines=None, db_before=None):
    before = world.raw() if db_before is None else db_before
    result = world.cli(*args)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    err_lines = result.stderr.splitlines()
    assert err_lines and all(line.strip() for line in err_lines), result.stderr
    if lines is None:  # a file-level problem: one line
        assert len(err_lines) == 1, result.stderr
    else:
        assert [int(LINE.match(line)["line"]) for line in err_lines] == lines, result.stderr
        assert all(LINE.match(line)["file"] == args[-1] for line in err_lines)
    assert world.raw() == before, "a refused import changed the database"
    return result


def cli_ok(world, args):
    result = world.cli(*args)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def _file(world, name: str, data: bytes | str, encoding="utf-8") -> str:
    path = world.dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return name  # relative to the CLI's working folder


def _cli_selfcheck(world):
    create_campaign(world)
    return ("selfcheck",
            "\ufeffunit,item,score,note\r\nU1,A1,1e309,\r\nU1,A2,NaN,=HYPERLINK(\"x\")\r\nU1,B1," + "9" * 400
            + ",\r\nU1,B2,5,\x07\r\nU2,A1,6,\"多行\n备注\"\r\nU2,A9,6,\r\n",
            [2, 3, 4, 8],
            "unit,item,score,note\r\nU1,A1,6,=HYPERLINK(\"x\")\r\nU1,A2,３,\r\n")


def _cli_material(world):
    to_nomination(world, codes=("U1",))
    (world.dir / "导入" / "台账").mkdir(parents=True)
    (world.dir / "导入" / "台账" / "制度.pdf").write_bytes(b"%PDF-1.4 fake")
    return ("material", "unit,criterion,path,title\nU1,A,台账/制度.pdf,\nU1,A,台账/missing.pdf,\nU1,Z,台账/制度.pdf,\n"
                        "U1,B,台账,\n",
            [3, 4, 5],
            "单位,标准,路径,标题\nU1,A,台账/制度.pdf,@SUM(A1)\n")


def _cli_inspect(world):
    to_nomination(world, codes=("U1", "U2"))
    nomination.nominate(world.ctx(), ["U1", "U2"])
    return ("inspect", "unit,inspector\nU1,i1\nU1,nobody\n\n\nU9,i2\n", [3, 6], "考察人员,单位\ni1,U1\ni2,U1\n")


def _cli_score(world):
    to_inspection(world, codes=("U1", "U2"))
    return ("score", "unit,inspector,item,score,note\nU1,i1,A1,-0,\nU1,i1,A2,4.25,\nU1,i1,B1,inf,\nU1,i1,X1,3,\n",
            [3, 4, 5],
            "unit,inspector,item,score,note\nU1,i1,A1,6,\"+1, =2\"\nU1,i1,X1,2,\n")


def _cli_satisfaction(world):
    to_inspection(world, codes=("U1", "U2"))
    return ("satisfaction", "unit,score\nU1,100.001\nU2, 95 \nU1,-1\nU2,95\n", [2, 4, 5],
            "unit,score\nU1,99.99\nU2, 95 \n")


@pytest.mark.parametrize("setup", [_cli_selfcheck, _cli_material, _cli_inspect, _cli_score, _cli_satisfaction],
                         ids=["selfcheck", "material", "inspect", "score", "satisfaction"])
def test_cli_hostile_file_then_valid_file(world, setup):
    command, bad, lines, good = setup(world)
    folder = "导入/" if command == "material" else ""
    bad_path = _file(world, f"{folder}bad.csv", bad, "gb18030" if command == "inspect" else "utf-8")
    cli_refuses(world, (command, "import", bad_path), lines=lines)
    good_path = _file(world, f"{folder}good.csv", good, "gb18030" if command == "inspect" else "utf-8-sig")
    cli_ok(world, (command, "import", good_path))


def test_cli_unit_import_hostile_then_formula_names_stored_verbatim(world):
    create_campaign(world)
    bad = _file(world, "units-bad.csv", "单位代码,单位名称,类型\r\nU1 X,新华镇,乡镇\r\nU8,,街道\r\nU9,河口乡,村\r\n"
                                         "U10,=HYPERLINK(\"http://evil\"),其他\r\nU10,重复,其他\r\n", "gb18030")
    cli_refuses(world, ("unit", "import", bad), lines=[2, 3, 4, 6])
    good = _file(world, "units-good.csv", "code,name,type,contact,phone\nU10,=HYPERLINK(\"http://evil\"),其他,"
                                          "@SUM(A1),+86 10 1234\nU11,\"-1+1\",other,,\n")
    cli_ok(world, ("unit", "import", good))
    assert world.db.snapshot().units.get("U10")["name"] == '=HYPERLINK("http://evil")'
    assert world.db.snapshot().units.get("U10")["phone"] == "+86 10 1234"
    assert world.db.snapshot().units.get("U11")["name"] == "-1+1"


@pytest.mark.parametrize("data", [b"unit,score\nU1,9\x005\n", b"unit,score\nU1,\xff\xfe\xfd\n",
                                  b'unit,score\nU1,"95\nU2,90\n'],
                         ids=["nul", "undecodable", "unterminated-quote"])
def test_cli_file_level_problem_is_one_line(world, data):
    to_inspection(world, codes=("U1", "U2"))
    cli_refuses(world, ("satisfaction", "import", _file(world, "sat.csv", data)), lines=None)


def test_cli_missing_file_is_one_line_exit_2(world):
    create_campaign(world)
    cli_refuses(world, ("unit", "import", "no-such-file.csv"), lines=None)


def _error_lines(stderr: str, path: str) -> list[int]:
    out = []
    for line in stderr.splitlines():
        m = LINE.match(line)
        assert m and m["file"] == path, stderr
        out.append(int(m["line"]))
    return out


def test_cli_permission_problem_with_bad_input_exits_2_only_permission_exits_1(world):
    to_inspection(world, codes=("U1", "U2"))
    before = world.raw()
    mixed = _file(world, "mixed.csv", "unit,inspector,item,score\nU1,i1,A1,6\nU1,i2,A1,6\nU1,i1,A2,abc\n")
    result = world.cli("score", "import", mixed, user="i1")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert _error_lines(result.stderr, mixed) == [3, 4]  # not its own row (refused), then not a number
    only = _file(world, "only.csv", "unit,inspector,item,score\nU1,i1,A1,6\nU1,i2,A1,6\n")
    result = world.cli("score", "import", only, user="i1")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert _error_lines(result.stderr, only) == [3]
    assert world.raw() == before
