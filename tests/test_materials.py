"""Filed materials: listing them, taking one off while not frozen, and filing the same file twice."""

from __future__ import annotations

import csv
import io
import json

import pytest

from modelunit.domain import audit, campaigns, nomination
from modelunit.errors import BadInput, Refused
from tests.helpers import to_nomination


def _materials(world, code: str) -> list[tuple[str, str, str]]:
    return [(m["criterion"] or m["document"], m["title"], m["name"]) for m in world.entry(code)["materials"]]


def _extra(world, name: str = "目录.pdf", content: bytes = b"%PDF catalogue") -> str:
    path = world.dir / name
    path.write_bytes(content)
    return str(path)


# ----------------------------------------------------------------------------- the same file twice


def test_adding_the_same_file_twice_for_one_criterion_is_a_no_op(world):
    to_nomination(world)
    path = _extra(world)
    req = nomination.MaterialRequest("U1", path, "A", title="决策目录")
    first = nomination.add_materials(world.ctx(), [req])
    raw = world.raw()
    second = nomination.add_materials(world.ctx(), [req])
    assert (first.added, second.added) == (1, 0)
    assert [m.render() for m in second.already] == ["U1 的 A 已有同一文件（决策目录），未重复添加：目录.pdf"]
    assert world.raw() == raw
    assert _materials(world, "U1").count(("A", "决策目录", "目录.pdf")) == 1


def test_the_same_file_for_another_criterion_is_filed(world):
    to_nomination(world)
    path = _extra(world)
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", path, "A")])
    filed = nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", path, "B")])
    assert filed.added == 1 and ("B", "目录.pdf", "目录.pdf") in _materials(world, "U1")


def test_importing_a_materials_csv_twice_files_each_record_once(world):
    to_nomination(world)
    _extra(world, "a.pdf", b"a")
    _extra(world, "b.pdf", b"b")
    (world.dir / "m.csv").write_text("单位代码,标准,路径,标题\nU1,A,a.pdf,目录\nU1,B,b.pdf,台账\n", encoding="utf-8")
    first = world.cli("material", "import", "m.csv")
    assert first.returncode == 0 and "已添加 2 份材料" in first.stdout
    count = len(world.entry("U1")["materials"])
    again = world.cli("material", "import", "m.csv")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["已添加 0 份材料", "U1 的 A 已有同一文件（目录），未重复添加：a.pdf",
                                         "U1 的 B 已有同一文件（台账），未重复添加：b.pdf"]
    assert len(world.entry("U1")["materials"]) == count


# ----------------------------------------------------------------------------- remove


def test_remove_takes_one_record_off_and_audits_it(world):
    to_nomination(world)
    nomination.add_materials(world.ctx("clerk1"), [nomination.MaterialRequest("U1", _extra(world), "A", "目录")])
    removed = nomination.remove_material(world.ctx("clerk1"), "U1", criterion="A", title="目录")
    assert removed.name == "目录.pdf"
    assert ("A", "目录", "目录.pdf") not in _materials(world, "U1")
    last = audit.entries(world.db.snapshot())[-1]
    assert (last["action"], last["user"], last["target"]) == ("material.remove", "clerk1", "U1")


def test_remove_names_the_record_by_its_hash_when_several_share_a_criterion(world):
    to_nomination(world)
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", _extra(world), "A")])
    raw = world.raw()
    with pytest.raises(BadInput) as caught:
        nomination.remove_material(world.ctx(), "U1", criterion="A")
    assert caught.value.render().startswith("单位 U1 在 A 下有多份材料，请用 --title 或 --sha256 指明：")
    assert world.raw() == raw
    sha = next(m["sha256"] for m in world.entry("U1")["materials"] if m["name"] == "目录.pdf")
    nomination.remove_material(world.ctx(), "U1", criterion="A", sha256=sha[:12])
    assert [name for what, _, name in _materials(world, "U1") if what == "A"] == ["U1-A.txt"]


def test_remove_refusals_leave_the_database_unchanged(world):
    to_nomination(world, codes=("U1", "U2", "U4"))
    nomination.nominate(world.ctx(), ["U2"])
    raw = world.raw()
    with pytest.raises(Refused, match="已申报，材料已冻结"):  # frozen
        nomination.remove_material(world.ctx(), "U2", criterion="A")
    with pytest.raises(Refused, match="只能操作本单位"):  # another unit's
        nomination.remove_material(world.ctx("clerk1"), "U4", criterion="A")
    with pytest.raises(BadInput, match="没有符合的材料"):
        nomination.remove_material(world.ctx(), "U1", criterion="A", title="不存在")
    assert world.raw() == raw
    nomination.nominate(world.ctx(), ["U1"])
    campaigns.advance(world.ctx(), reason="提前结束")  # U4 never nominated: its materials stay, not frozen
    raw = world.raw()
    with pytest.raises(Refused, match="当前阶段为“考察认定”"):  # wrong stage
        nomination.remove_material(world.ctx(), "U4", criterion="A")
    assert world.raw() == raw


def test_cli_remove_by_file_and_refusal_exit_codes(world):
    to_nomination(world)
    path = _extra(world)
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", path, "A")])
    nomination.nominate(world.ctx(), ["U2"])
    raw = world.raw()
    frozen = world.cli("material", "remove", "U2", "--criterion", "A")
    assert frozen.returncode == 1 and frozen.stderr.count("\n") == 1 and "冻结" in frozen.stderr
    both = world.cli("material", "remove", "U1", "--criterion", "A", "--document", "申报表")
    assert both.returncode == 2
    assert world.raw() == raw
    done = world.cli("material", "remove", "U1", "--criterion", "A", "--file", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "已删除 U1 的 A 材料：目录.pdf（目录.pdf）"


# ----------------------------------------------------------------------------- list


def test_material_list_table_json_and_csv(world):
    to_nomination(world)
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", _extra(world), "A", "决策目录")])
    table = world.cli("material", "list", "U1")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert "单位" in lines[1] and "文件名" in lines[1]  # lines[0]: the drill's mark
    row = next(line for line in lines if "决策目录" in line)
    sha = next(m["sha256"] for m in world.entry("U1")["materials"] if m["title"] == "决策目录")
    assert row.split()[:4] == ["U1", "A", "决策目录", "目录.pdf"] and sha[:12] in row and sha not in row
    records = json.loads(world.cli("material", "list", "U1", "--format", "json").stdout)
    assert {(r["unit"], r["criterion"], r["title"], r["sha256"]) for r in records} >= {("U1", "A", "决策目录", sha)}
    assert set(records[0]) == {"unit", "criterion", "document", "title", "name", "sha256", "size", "added_at",
                               "added_by", "supplement"}
    text = world.cli("material", "list", "--format", "csv", "--", "U1").stdout
    table_rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table_rows[0][:5] == ["单位", "标准", "申报材料", "名称", "文件名"]
    assert ["U1", "A", "", "决策目录", "目录.pdf", sha] == next(r for r in table_rows if r[3] == "决策目录")[:6]


def test_a_clerk_lists_only_their_own_unit(world):
    to_nomination(world)
    result = world.cli("material", "list", "--format", "json", user="clerk1")
    assert {r["unit"] for r in json.loads(result.stdout)} == {"U1"}


# ----------------------------------------------------------------------------- the dashboard


async def test_the_dashboard_says_a_file_filed_twice_is_already_there(world, monkeypatch):
    from textual.widgets import Button, Input

    from modelunit.tui.dialogs.file_dialog import FileDialog
    from modelunit.tui.dialogs.form_dialog import FormDialog
    from tests.test_tui import SIZE, app_for, open_unit, settle, show_tab

    to_nomination(world)
    path = _extra(world)
    monkeypatch.chdir(world.dir)  # where the file dialog opens
    async with app_for(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "U1")
        await show_tab(pilot, "nomination")
        for _ in range(2):
            # Not click(): the file dialog's directory tree keeps a loader worker running.
            pilot.app.screen.query_one("#mat-add", Button).press()
            await pilot.pause()
            assert isinstance(pilot.app.screen, FileDialog)
            pilot.app.screen.query_one("#path", Input).value = path
            await pilot.click("#ok")
            await pilot.pause()
            assert isinstance(pilot.app.screen, FormDialog)
            await pilot.click("#f-title")
            await pilot.press(*"目录")
            await pilot.click("#ok")
            await settle(pilot)
        told = [n.message for n in pilot.app._notifications]  # the toasts shown, in order
    assert told == ["已添加 1 份材料", "U1 的 A 已有同一文件（目录），未重复添加：目录.pdf"]
    assert _materials(world, "U1").count(("A", "目录", "目录.pdf")) == 1


async def test_a_clerk_removes_a_wrong_file_in_the_dashboard_before_nominating(world):
    from textual.widgets import Button, DataTable

    from modelunit.tui.dialogs.form_dialog import FormDialog
    from tests.test_tui import SIZE, app_for, click, open_unit, settle, show_tab

    to_nomination(world)  # U1 filed one file for A and one for B
    sha = world.db.snapshot().entries.get("2024-1|U1")["materials"][0]["sha256"]
    async with app_for(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "U1")
        await show_tab(pilot, "nomination")
        table = pilot.app.screen.query_one("#evidence", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index("A"))
        await click(pilot, "#mat-remove")
        assert isinstance(pilot.app.screen, FormDialog)
        await pilot.click("#ok")
        await settle(pilot)
        assert pilot.app.screen.query_one("#mat-remove", Button).disabled is False
    kept = [(m["criterion"], m["sha256"]) for m in world.db.snapshot().entries.get("2024-1|U1")["materials"]]
    assert ("A", sha) not in kept and [c for c, _ in kept] == ["B"]
