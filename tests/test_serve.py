"""``modelunit serve``: the dashboard in a browser, one process and one sign-in per browser session.

The server runs in a subprocess on a free port; a session is driven through textual-serve's websocket
exactly as its page's JavaScript does (keys in as ``stdin``, the terminal stream out)."""

from __future__ import annotations

import io
import json
import signal

import aiohttp
import openpyxl
import pytest

from tests.conftest import PASSWORD, create_campaign, run_cli
from tests.serving import fetch, open_session, served


@pytest.mark.parametrize("args, says", [
    (["--port", "70000"], "端口无效：70000"),
    (["--port", "http"], "invalid int value"),
    (["--host", "no-such-host.invalid"], "无法使用地址 no-such-host.invalid"),
    (["--public-url", "modelunit.example"], "--public-url 应以 http:// 或 https:// 开头"),
    (["--idle-minutes", "0"], "--idle-minutes 应大于 0"),
])
def test_a_bad_address_is_one_line_and_exit_2(world, args, says):
    before = world.raw()
    done = run_cli("serve", *args, db=world.db.path)
    assert done.returncode == 2
    assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert world.raw() == before


def test_a_port_in_use_is_refused_in_one_line(world):
    with served(db=world.db.path) as (url, _):
        port = url.rsplit(":", 1)[1]
        done = run_cli("serve", "--port", port, db=world.db.path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"无法在 127.0.0.1:{port} 监听：Address already in use"]


def test_serve_needs_a_database(tmp_path):
    done = run_cli("serve", db=str(tmp_path / "none.json"))
    assert done.returncode == 2 and "未找到数据库" in done.stderr


async def test_every_session_signs_in_itself_and_stays_its_own(world):
    create_campaign(world)
    # Whoever starts the server may have signed in their shell: no browser session inherits it.
    with served(db=world.db.path, env={"MODELUNIT_USER": "office", "MODELUNIT_PASSWORD": PASSWORD}) as (url, process):
        status, page = fetch(url + "/")
        assert status == 200
        assert "/static/js/textual.js" in page and f"ws://127.0.0.1:{url.rsplit(':', 1)[1]}/ws" in page
        assert "https://" not in page and "/static/fonts/RobotoMono" in page  # nothing from outside the office
        async with aiohttp.ClientSession() as http:
            clerk = await open_session(http, url)
            other = await open_session(http, url)
            await clerk.wait_for("用户名", "密码")
            await other.wait_for("用户名", "密码")

            mark = await clerk.sign_in("clerk1", "wrong-password")
            await clerk.wait_for("用户名或密码错误：clerk1", since=mark)

            mark = clerk.mark()
            await clerk.type(PASSWORD + "\r")  # the focus went back to the password field
            await clerk.wait_for("clerk1（单位填报员）", "城关镇人民政府", since=mark)
            assert "东风街道办事处" not in clerk.screen[mark:]  # a clerk sees their own unit only

            # The clerk opens their unit (the cursor is on it), scores A1 and saves with Ctrl+S.
            mark = clerk.mark()
            await clerk.type("\r")
            await clerk.wait_for("自评合计 0.00 / 20", since=mark)
            await clerk.settle("5")
            await clerk.wait_for("自评合计 5.00 / 20", since=mark)
            mark = clerk.mark()
            await clerk.type("\x13")
            await clerk.wait_for("已保存", since=mark)
            assert world.entry("U1")["selfcheck"] == {"A1": {"score": "5", "note": ""}}

            # The other tab is still at the sign-in screen: nothing of clerk1's session reached it.
            mark = await other.sign_in("i1", "nope")
            await other.wait_for("用户名或密码错误：i1", since=mark)
            await clerk.ws.close()
            await other.ws.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


async def test_the_demo_serves_signed_in_as_its_admin_and_the_workbook_downloads(demo_db):
    with served(command="demo --serve", db=demo_db.path) as (url, _):
        async with aiohttp.ClientSession() as http:
            tab = await open_session(http, url)
            await tab.wait_for("admin（法制办管理员）")
            await tab.settle("x")
            await tab.wait_for("文件名（由浏览器下载保存）")
            await tab.type("\r")
            while not any("deliver_file_start" in text for text in tab.texts):
                await tab._read(30)
            [key] = [json.loads(text)[1] for text in tab.texts if "deliver_file_start" in text]
            async with http.get(f"{url}/download/{key}") as response:
                assert response.status == 200
                assert "attachment" in response.headers["Content-Disposition"]
                data = await response.read()
            assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "汇总"
            await tab.ws.close()


async def test_a_download_waits_for_a_session_slower_than_textual_serves_four_seconds():
    """A piece of a download that a busy session sends after 4.5 s still arrives: the whole file is delivered
    (with textual-serve's own 4 s wait, the download broke off and the browser kept a cut-off workbook)."""
    import asyncio

    from textual_serve.download_manager import DownloadManager

    from modelunit import serve

    assert serve.CHUNK_WAIT_SECONDS > 4.5
    manager = DownloadManager()
    pieces = [b"PK\x03\x04 first piece ", b"second piece, late", b""]

    class BusySession:
        app_service_id = "tab-1"

        async def send_meta(self, meta: dict) -> bool:
            piece, delay = pieces.pop(0), 4.5 if len(pieces) == 1 else 0.0
            asyncio.get_running_loop().call_later(
                delay, lambda: asyncio.ensure_future(manager.chunk_received(meta["key"], piece)))
            return True

    await manager.create_download(app_service=BusySession(), delivery_key="k", file_name="评分汇总.xlsx",
                                  open_method="download", mime_type="application/octet-stream")
    received = [piece async for piece in manager.download("k")]
    assert b"".join(received) == b"PK\x03\x04 first piece second piece, late"


async def test_an_idle_session_is_signed_out(world):
    with served("--idle-minutes", "0.02", db=world.db.path) as (url, _):
        async with aiohttp.ClientSession() as http:
            tab = await open_session(http, url)
            await tab.wait_for("用户名")
            message = await tab.ws.receive(timeout=30)
            while message.type == aiohttp.WSMsgType.BINARY:  # the last frames, then the process ends
                message = await tab.ws.receive(timeout=30)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
