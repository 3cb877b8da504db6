"""Attacks on whoever reads the output: formula cells, escape sequences, look-alike names (issue 9, item 4)."""

from __future__ import annotations

import csv
import io
import json

from tests.conftest import run_cli

ENV = {"MODELUNIT_TODAY": "2024-03-01"}
HOSTILE = [("H1", "=HYPERLINK(\"http://x\",\"点我\")", "township"),
           ("H2", "=cmd|' /C calc'!A0", "street"),
           ("H3", "@SUM(1+1)", "department"),
           ("H4", "+1+2", "township"),
           ("H5", "-2+3", "township"),
           ("H6", "\t=1+1", "township"),
           ("H7", "红\x1b[31m色\x1b]0;pwned\x07局\u202etxt.exe", "street")]


def _import_hostile(world):
    path = world.dir / "hostile.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["code", "name", "type"])
    writer.writerows(HOSTILE)
    path.write_text(buf.getvalue(), encoding="utf-8")
    result = world.cli("unit", "import", str(path), env=ENV)
    assert result.returncode == 0, result.stderr


def test_unit_list_csv_neutralises_formula_cells(world):
    _import_hostile(world)
    result = world.cli("unit", "list", "--format", "csv", env=ENV)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    names = {r[0]: r[1] for r in rows[1:]}
    for code, name, _ in HOSTILE[:6]:
        assert names[code] == "'" + name.strip(), (code, names[code])  # the import trims the name
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_tables_carry_no_escape_sequences_or_bidi_marks(world):
    _import_hostile(world)
    result = world.cli("unit", "list", env=ENV)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "红色局" in result.stdout.replace(" ", "")
    js = world.cli("unit", "list", "--format", "json", env=ENV)
    assert "\u202e" not in js.stdout and "\x1b" not in js.stdout
    assert any(u["name"].startswith("红\x1b[31m") for u in json.loads(js.stdout))  # the data itself is kept


def test_user_names_with_controls_zero_width_or_bidi_marks_are_refused(world):
    before = world.raw()
    for name in ("ad\u200bmin", "office\u202e", "a\x1b[2Jb", "zhang\u2066", "li\u00adsi", "x\u2028y"):
        result = world.cli("user", "add", name, "--role", "inspector", env={**ENV,
                                                                          "MODELUNIT_NEW_PASSWORD": "a-long-pass-1"})
        assert result.returncode == 2, (name, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "\x1b" not in result.stderr
    assert world.raw() == before


def test_non_utf8_bytes_in_the_environment_or_arguments_are_one_line(world, tmp_path):
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    base = {k.encode(): v.encode() for k, v in base.items()}
    base.update({b"MODELUNIT_DB": world.db.path.encode(), b"MODELUNIT_TODAY": b"2024-03-01"})
    code = "import sys; from modelunit.cli.main import main; sys.exit(main())"
    before = world.raw()
    cases = [({b"MODELUNIT_USER": b"office", b"MODELUNIT_PASSWORD": b"s3cret-\xff\xfe"}, [b"unit", b"list"]),
             ({b"MODELUNIT_USER": b"of\xc3fice", b"MODELUNIT_PASSWORD": b"x"}, [b"unit", b"list"]),
             ({b"MODELUNIT_USER": b"office", b"MODELUNIT_PASSWORD": b"s3cret-pw",
               b"MODELUNIT_NEW_PASSWORD": b"\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9"},
              [b"user", b"add", b"newbie", b"--role", b"inspector"]),
             ({b"MODELUNIT_USER": b"office", b"MODELUNIT_PASSWORD": b"s3cret-pw",
               b"MODELUNIT_NEW_PASSWORD": b"a-long-pass-1"},
              [b"user", b"add", b"bad\xffname", b"--role", b"inspector"])]
    for extra, args in cases:
        result = subprocess.run([sys.executable.encode(), b"-c", code.encode(), *args], capture_output=True,
                                env={**base, **extra}, cwd=tmp_path, timeout=120)
        err = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2, (args, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert world.raw() == before


def test_a_database_of_the_wrong_shape_is_one_line(tmp_path):
    for content in ('{"users": []}', '{"users": {"1": 5}}', '[]', '{"units": {"U1": {"code": "U1"}}, "users": "x"}'):
        path = tmp_path / "odd.json"
        path.write_text(content, encoding="utf-8")
        result = run_cli("tally", db=str(path), user="office", password="x", env=ENV)
        assert result.returncode == 2, (content, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_score_stored_as_text_does_not_crash_the_tally(world, monkeypatch):
    from pathlib import Path

    from tests.helpers import FULL, score, to_inspection

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1",))
    from modelunit.domain import sheets

    score(world, "U1", "i1", FULL)
    score(world, "U1", "i2", FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    assert world.cli("tally", env=ENV).returncode == 0
    data = json.loads(world.raw())
    sheet = next(s for s in data["sheets"].values() if s.get("scores"))
    first = next(iter(sheet["scores"]))
    if isinstance(sheet["scores"][first], dict):
        sheet["scores"][first]["score"] = "abc"
    else:
        sheet["scores"][first] = "abc"
    Path(world.db.path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = world.cli("tally", env=ENV)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_reader_that_goes_away_is_not_an_error(world):
    """`modelunit audit list | head -1`: the pipe closes under the output; no message, no traceback."""
    import subprocess
    import sys

    from tests.conftest import PASSWORD, cli_env

    cmd = [sys.executable, "-c", "import sys; from modelunit.cli.main import main; sys.exit(main())",
           "audit", "list"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=cli_env(world.db.path, "office", PASSWORD), cwd=world.dir)
    proc.stdout.close()  # the reader is gone before the first line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err.decode("utf-8") == ""
