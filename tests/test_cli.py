"""The command line as a user runs it: real subprocesses, real CSV files, exit codes and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, run_cli


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def fails(result, code: int, lines: int | None = 1):
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    if lines is not None:
        assert len(result.stderr.strip().splitlines()) == lines, result.stderr
    return result


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_a_campaign_run_end_to_end_from_the_command_line(world, tmp_path):
    w = world
    env = {"MODELUNIT_TODAY": "2024-03-01"}
    units_csv = write(tmp_path / "units.csv", "单位代码,单位名称,类型\nU5,新华镇,乡镇\nU6,人民路街道,街道\n", "gb18030")
    ok(w.cli("unit", "import", units_csv))
    ok(w.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(w.criteria),
             "--quota", "2", "--issuer", "某某区法制办", "--approval-ref", "区法制办〔2024〕1号", env=env))
    listing = json.loads(ok(w.cli("unit", "list", "--format", "json")).stdout)
    assert {u["code"]: u["type"] for u in listing}["U5"] == "township"
    assert set(listing[0]) == {"code", "name", "type", "status", "certificate", "contact", "phone"}

    lines = ["unit,item,score,note"] + [f"{u},{i},{p},自评" for u in ("U1", "U5", "U6")
                                        for i, p in (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5))]
    ok(w.cli("selfcheck", "import", write(tmp_path / "self.csv", "\ufeff" + "\n".join(lines) + "\n")))
    ok(w.cli("selfcheck", "submit", "--all"))
    ok(w.cli("campaign", "advance", env=env))
    (tmp_path / "files").mkdir()
    mat = ["unit,criterion,path,title"]
    for u in ("U1", "U5", "U6"):
        for c in ("A", "B"):
            write(tmp_path / "files" / f"{u}{c}.txt", f"{u}{c}")
            mat.append(f"{u},{c},files/{u}{c}.txt,台账{c}")
    ok(w.cli("material", "import", write(tmp_path / "mat.csv", "\n".join(mat) + "\n")))
    ok(w.cli("nominate", "U1", "U5", env=env))
    ok(w.cli("nominate", "U6", "--recommended-by", "区政府办", env=env))
    pairs = "unit,inspector\n" + "".join(f"{u},{i}\n" for u in ("U1", "U5", "U6") for i in ("i1", "i2"))
    ok(w.cli("inspect", "import", write(tmp_path / "team.csv", pairs)))
    ok(w.cli("campaign", "advance", env=env))
    scores = {"U1": (6, 4, 5, 5), "U5": (5, 4, 5, 4.5), "U6": (5, 4, 5, 4.5)}
    rows = ["unit,inspector,item,score"]
    for u, vals in scores.items():
        for i in ("i1", "i2"):
            rows += [f"{u},{i},{item},{v}" for item, v in zip(("A1", "A2", "B1", "B2"), vals)]
    rows.append("U1,i1,X1,2")
    ok(w.cli("score", "import", write(tmp_path / "scores.csv", "\n".join(rows) + "\n")))
    ok(w.cli("score", "submit", "--all"))

    tally = json.loads(ok(w.cli("tally", "--format", "json")).stdout)
    assert [list(r) for r in tally][0] == ["rank", "code", "name", "total", "measures", "effects", "bonus",
                                          "satisfaction", "criteria", "complete", "vetoed", "eligible",
                                          "candidate", "self_total", "quota_rank", "conclusion"]
    assert [(r["code"], r["rank"], r["total"], r["bonus"]) for r in tally] == [
        ("U1", 1, 21, 1), ("U5", 2, 18.5, 0), ("U6", 2, 18.5, 0)]
    assert tally[0]["criteria"] == {"A": 10, "B": 10} and tally[0]["self_total"] == 20
    assert all(r["candidate"] for r in tally)  # quota 2, but U5 and U6 tie at the line
    table = ok(w.cli("tally")).stdout
    assert "名额为 2，因名额线上并列，实际拟命名 3 个单位" in table

    ok(w.cli("campaign", "advance", env=env))
    ok(w.cli("publicity", "start", "--date", "2024-03-04"))
    added = ok(w.cli("objection", "add", "U6", "--text", "反映执法问题", "--source", "来信",
                     env={"MODELUNIT_TODAY": "2024-03-05"}))
    oid = added.stdout.strip().splitlines()[-1]
    assert oid == "1"
    fails(w.cli("campaign", "advance", env={"MODELUNIT_TODAY": "2024-03-20"}), 1)
    ok(w.cli("objection", "resolve", oid, "--upheld", "--note", "属实"))
    ok(w.cli("campaign", "advance", env={"MODELUNIT_TODAY": "2024-03-20"}))
    fails(w.cli("award", "--date", "2024-03-21"), 2)  # 审定 needs the decision
    out = ok(w.cli("award", "--decided-by", "区人民政府", "--decision-ref", "区政府〔2024〕9号",
                   "--date", "2024-03-21")).stdout
    assert "2024-01-001" in out and "2024-01-002" in out
    final = {u["code"]: u for u in json.loads(ok(w.cli("unit", "list", "--format", "json")).stdout)}
    assert (final["U1"]["status"], final["U1"]["certificate"]) == ("awarded", "2024-01-001")
    assert (final["U6"]["status"], final["U6"]["certificate"]) == ("withdrawn", None)
    assert "2024-01-002" == final["U5"]["certificate"]
    assert ok(w.cli("audit", "verify")).stdout.startswith("审计日志完整")
    # After the award a clerk reads their own results, and only theirs.
    own = json.loads(ok(w.cli("tally", "--format", "json", user="clerk1")).stdout)
    assert [r["code"] for r in own] == ["U1"]


def test_a_wrong_password_is_refused_logged_and_changes_nothing(world):
    before = world.raw()
    r = fails(world.cli("unit", "list", password="wrong"), 1)
    assert "office" in r.stderr
    assert world.raw() == before
    log = Path(world.db.log_path).read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["error"] == "auth.failed"


def test_without_a_password_and_without_a_terminal_the_command_stops(world):
    fails(world.cli("unit", "list", password=None), 1)


def test_refusals_exit_1_and_bad_input_exits_2_with_one_line(world, tmp_path):
    before = world.raw()
    fails(world.cli("campaign", "advance"), 1)  # no campaign yet
    r = fails(world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", "missing.yaml"), 2)
    assert "missing.yaml" in r.stderr
    fails(world.cli("campaign", "create", "--year", "2024"), 2)  # usage
    fails(world.cli("unit", "list", "--format", "xml"), 2)
    ok(world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria)))
    before = world.raw()
    fails(world.cli("campaign", "advance", user="i1"), 1)
    fails(world.cli("nominate", "U9"), 1)  # nomination is not open: the stage refuses first
    fails(world.cli("selfcheck", "submit", "U9"), 2)  # unknown unit
    bad = write(tmp_path / "s.csv", "unit,item,score\nU1,A1,9\nU1,Q7,1\n")
    r = fails(world.cli("selfcheck", "import", bad), 2, lines=2)
    assert r.stderr.splitlines()[0].startswith(f"{bad}:2: ")
    assert r.stderr.splitlines()[1].startswith(f"{bad}:3: ")
    fails(world.cli("selfcheck", "import", write(tmp_path / "c.csv", "unit,score\nU1,3\n")), 2)
    assert world.raw() == before
    refusals = Path(world.db.log_path).read_text(encoding="utf-8").splitlines()
    assert len(refusals) >= 5


def test_english_messages_with_lang_en(world):
    r = fails(world.cli("--lang", "en", "campaign", "advance"), 1)
    assert "no campaign yet" in r.stderr
    r = fails(world.cli("campaign", "advance", env={"MODELUNIT_LANG": "en"}), 1)
    assert "no campaign yet" in r.stderr


def test_init_creates_a_database_once(tmp_path):
    db = str(tmp_path / "new.json")
    ok(run_cli("init", "--admin", "boss", db=db, password=PASSWORD, env={"PYTHONPATH": ""}))  # at full cost
    data = json.loads(Path(db).read_text(encoding="utf-8"))
    stored = data["users"]["boss"]["password_hash"]
    assert stored.startswith("scrypt$131072$") and PASSWORD not in Path(db).read_text(encoding="utf-8")
    before = Path(db).read_bytes()
    fails(run_cli("init", "--admin", "other", db=db, password=PASSWORD), 1)
    assert Path(db).read_bytes() == before


def test_user_add_takes_the_new_password_from_the_environment(world):
    fails(world.cli("user", "add", "i9", "--role", "inspector"), 1)  # no MODELUNIT_NEW_PASSWORD, no terminal
    fails(world.cli("user", "add", "c9", "--role", "unit", "--unit", "U9", env={"MODELUNIT_NEW_PASSWORD": "x"}), 2)
    ok(world.cli("user", "add", "i9", "--role", "inspector", "--unit", "U4",
                 env={"MODELUNIT_NEW_PASSWORD": "a-long-pw9"}))
    r = ok(run_cli("campaign", "list", db=world.db.path, user="i9", password="a-long-pw9"))
    assert r.returncode == 0


def test_csv_output_has_a_bom_for_excel(world):
    r = ok(world.cli("unit", "list", "--format", "csv"))
    assert r.stdout.startswith("\ufeff单位代码,单位名称,类型,状态,证书编号")


def test_demo_builds_its_own_database_and_prints_the_tally(tmp_path):
    r = ok(run_cli("demo", "--no-tui", cwd=tmp_path))
    assert (tmp_path / "modelunit-demo.json").exists()
    assert not (tmp_path / "modelunit.json").exists()
    assert "区卫生局" in r.stdout and "admin" in r.stdout
    env = {"MODELUNIT_DB": str(tmp_path / "modelunit-demo.json")}
    units = json.loads(ok(run_cli("unit", "list", "--format", "json", user="admin", password="demo1234",
                                  env=env, cwd=tmp_path)).stdout)
    statuses = {u["status"] for u in units}
    assert {"in_publicity", "withdrawn", "not_selected", "not_nominated"} <= statuses
    listing = ok(run_cli("objection", "list", user="admin", password="demo1234", env=env, cwd=tmp_path)).stdout
    assert "待处理" in listing and "异议成立" in listing
    campaigns = ok(run_cli("--campaign", f"{__import__('datetime').date.today().year - 1}-1", "unit", "list",
                           "--format", "json", user="admin", password="demo1234", env=env, cwd=tmp_path)).stdout
    assert any(u["certificate"] for u in json.loads(campaigns))


def test_an_interrupted_demo_build_leaves_nothing_half_built(tmp_path, monkeypatch):
    """ctrl+c during the build: no demo file, nothing beside it; the next build starts afresh."""
    from modelunit import demo
    from modelunit.storage.database import Database

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_batch2", interrupted)
    target = Database(str(tmp_path / "modelunit-demo.json"))
    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.undo()
    demo.build_demo(target)
    assert demo.is_demo(target) and len(target.snapshot().campaigns) == 3  # two batches and a re-check
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    # --reset rebuilds over the old demo and keeps no stale evidence beside it.
    demo.build_demo(target, reset=True)
    assert (tmp_path / "modelunit-demo.evidence").is_dir()


def test_the_demo_never_touches_a_working_database(world):
    before = world.raw()
    for args in (["demo", "--no-tui"], ["demo", "--reset", "--no-tui"]):
        result = run_cli(*args, db=world.db.path, cwd=world.dir)
        assert result.returncode == 1 and "不是演示数据库" in result.stderr, result.stderr
        assert world.raw() == before
