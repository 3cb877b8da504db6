"""``modelunit serve`` in a real browser: headless Chromium (the distribution's package; ``.ci/run``
installs it) opens the page, a person signs in with the keyboard, and the dashboard is read from
the terminal the page draws (see :mod:`tests.chromium`) and photographed.  One server for the
module (a copy of the demo database); each test has its own browser and sessions."""

from __future__ import annotations

import asyncio
import struct
import time

import openpyxl
import pytest

from modelunit.demo import DEMO_ADMIN, DEMO_PASSWORD
from tests.chromium import Tab, browser
from tests.conftest import PASSWORD, copy_demo
from tests.helpers import to_nomination
from tests.serving import served

# Every resource the page loaded, as the browser saw it (an office network has no internet).
RESOURCES = "performance.getEntriesByType('resource').map(e => e.name).concat([location.href])"


@pytest.fixture(scope="module")
def demo_url(demo_templates, tmp_path_factory):
    db = copy_demo(demo_templates(), tmp_path_factory.mktemp("served-demo"))
    with served(db=db.path) as (url, _):
        yield url


async def sign_in(tab: Tab, name: str, password: str = DEMO_PASSWORD) -> None:
    """Name, Tab, password and Enter, each once the page has answered the key before."""
    await tab.wait_for("登录", "用户名", "密码")
    await tab.settle(name)
    await tab.settle("\t")
    await tab.settle(password)
    assert "•" * len(password) in await tab.screen()  # the password field, masked
    await tab.type("\r")


async def test_the_demo_admin_signs_in_in_chromium_and_sees_the_pipeline(demo_url, tmp_path):
    async with browser() as open_page:
        tab = await open_page(demo_url + "/")
        await sign_in(tab, DEMO_ADMIN)
        screen = await tab.wait_for(f"{DEMO_ADMIN}（法制办管理员）", "④ 公示 (3)")
        for stage in ("① 自查完善", "② 自荐申报", "③ 考察认定", "⑤ 命名授牌"):
            assert stage in screen
        assert "区卫生局" in screen and "显示 15 / 15 个单位" in screen

        png = await tab.screenshot(str(tmp_path / "dashboard.png"))
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width >= 1000 and height >= 600

        loaded = await tab.evaluate(RESOURCES)
        assert loaded and all(name.startswith(demo_url + "/") for name in loaded), loaded


async def test_a_clerk_downloads_their_unit_report_into_the_browser(demo_url, tmp_path):
    async with browser() as open_page:
        tab = await open_page(demo_url + "/")
        await tab.downloads_into(str(tmp_path))
        await sign_in(tab, "clerk.d02")
        screen = await tab.wait_for("clerk.d02（单位填报员）", "显示 1 / 1 个单位")
        assert "区卫生局" in screen and "区公安分局" not in screen  # their own unit only
        await tab.settle("\r")  # open it (the cursor is on it)
        await tab.wait_for("区卫生局（D02）")
        await tab.press("F2")
        await tab.wait_for("导出本单位报告", "文件名（由浏览器下载保存）")
        await tab.type("\r")
        await tab.wait_for("已发送到浏览器下载：")
        deadline = time.monotonic() + 30
        while not (saved := list(tmp_path.glob("*-D02-本单位报告.xlsx"))):  # after a .crdownload, renamed
            assert time.monotonic() < deadline, f"no download; the folder holds {list(tmp_path.iterdir())}"
            await asyncio.sleep(0.1)
    [report] = saved
    rows = list(openpyxl.load_workbook(report)["本单位报告"].iter_rows(values_only=True))
    assert rows[1][0] == "单位：区卫生局（D02）"
    assert any(row[3] == "D02-C1.txt" for row in rows)  # the evidence it filed


async def test_a_clerk_files_evidence_from_their_own_computer_and_sees_it_filed(world, tmp_path):
    to_nomination(world, codes=("U1",))  # 自荐申报: U1 has filed one file for each criterion
    evidence = tmp_path / "执法案卷评查记录.pdf"
    evidence.write_bytes(b"%PDF-1.4 from the clerk's own computer")
    with served(db=world.db.path) as (url, _):
        async with browser() as open_page:
            tab = await open_page(url + "/")
            await sign_in(tab, "clerk1", PASSWORD)
            await tab.wait_for("clerk1（单位填报员）", "城关镇人民政府")
            await tab.settle("\r")
            await tab.wait_for("添加材料")
            await tab.click("添加材料")
            await tab.wait_for("确定")
            await tab.click("确定")  # the form: the criterion under the cursor (A), no title
            await tab.wait_for("打开上传页")
            await tab.click("打开上传页")  # Textual asks the page to open the link in a new tab

            upload = await open_page.opened(url + "/upload/")
            await upload.send("Page.enable")
            for _ in range(100):
                if await upload.evaluate("!!document.querySelector('input[type=file]')"):
                    break
                await asyncio.sleep(0.1)
            assert "单位 U1，A；以 clerk1 的身份提交" in await upload.evaluate("document.body.innerText")
            document = await upload.send("DOM.getDocument")
            field = await upload.send("DOM.querySelector", nodeId=document["root"]["nodeId"],
                                      selector="input[type=file]")
            await upload.send("DOM.setFileInputFiles", files=[str(evidence)], nodeId=field["nodeId"])
            await upload.evaluate("document.querySelector('form').submit()")
            for _ in range(100):
                said = await upload.evaluate("document.body ? document.body.innerText : ''") or ""
                if "已收到并存档" in said:
                    break
                await asyncio.sleep(0.1)
            assert "已收到并存档：执法案卷评查记录.pdf（单位 U1）" in said

            # The dashboard's tab shows it without a key pressed: a toast, and the evidence count.
            await tab.wait_for("已收到上传的材料：执法案卷评查记录.pdf", "2 份")
    [filed] = [m for m in world.entry("U1")["materials"] if m["name"] == "执法案卷评查记录.pdf"]
    assert (filed["criterion"], filed["added_by"]) == ("A", "clerk1")
