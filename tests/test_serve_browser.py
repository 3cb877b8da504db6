"""``modelunit serve`` in a real browser: headless Chromium (the distribution's package; ``.ci/run``
installs it) opens the page, a person signs in with the keyboard, and the dashboard is read from
the terminal the page draws (see :mod:`tests.chromium`) and photographed."""

from __future__ import annotations

import struct

from modelunit.demo import DEMO_ADMIN, DEMO_PASSWORD
from tests.chromium import browser
from tests.serving import served

# Every resource the page loaded, as the browser saw it (an office network has no internet).
RESOURCES = "performance.getEntriesByType('resource').map(e => e.name).concat([location.href])"


async def test_the_demo_admin_signs_in_in_chromium_and_sees_the_pipeline(demo_db, tmp_path):
    with served(db=demo_db.path) as (url, _):
        async with browser() as open_page:
            tab = await open_page(url + "/")
            await tab.wait_for("登录", "用户名", "密码")
            await tab.settle(DEMO_ADMIN)
            await tab.settle("\t")
            await tab.settle(DEMO_PASSWORD)
            assert "•" * len(DEMO_PASSWORD) in await tab.screen()  # the password field, masked
            await tab.type("\r")
            screen = await tab.wait_for(f"{DEMO_ADMIN}（法制办管理员）", "④ 公示 (3)")
            for stage in ("① 自查完善", "② 自荐申报", "③ 考察认定", "⑤ 命名授牌"):
                assert stage in screen
            assert "区卫生局" in screen and "显示 15 / 15 个单位" in screen

            png = await tab.screenshot(str(tmp_path / "dashboard.png"))
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", png[16:24])
            assert width >= 1000 and height >= 600

            loaded = await tab.evaluate(RESOURCES)
            assert loaded and all(name.startswith(url + "/") for name in loaded), loaded
