"""How ``modelunit serve`` holds up: N browser sessions opened at once against a database of many units.

Starts ``modelunit serve`` on a free port, opens N websocket sessions together (what N browser tabs do),
and prints the time each took to show the sign-in screen (median, 90th percentile, worst), the memory of
one session process (resident set size, and the unique set where /proc gives it), and the time of a
key press answered once all are open.  Not a test: figures for the README.

    python benchmarks/serve_load.py [--sessions 30] [--units 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.serving import open_session, served  # noqa: E402


def build_database(folder: str, units: int) -> str:
    """A real (non-drill) database of ``units`` units in one campaign, through the domain functions."""
    from modelunit.domain import campaigns, context, users
    from modelunit.domain import units as unit_ops

    db_path = os.path.join(folder, "load.json")
    from modelunit.storage.database import Database

    db = Database(db_path)
    users.init_database(db, "office", "office-pass-1")
    admin = context.Context(db, users.sign_in(db, "office", "office-pass-1"))
    rows = [(i + 2, {"code": f"U{i:03d}", "name": f"第{i}单位", "type": "department"}) for i in range(units)]
    unit_ops.import_units(admin, rows, "units.csv")
    criteria = Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml"
    campaigns.create_campaign(admin, campaigns.CampaignSpec(year=2027, batch=1, criteria_path=str(criteria)))
    return db_path


def memory_of(pid: int) -> tuple[float, float | None]:
    """(RSS, USS) in MiB of one process; USS from smaps_rollup (private pages) where readable."""
    rss = uss = None
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            private = sum(int(line.split()[1]) for line in f if line.startswith(("Private_Clean:", "Private_Dirty:")))
        uss = private / 1024
    except OSError:
        pass
    return rss or 0.0, uss


def session_pids(server_pid: int) -> list[int]:
    """The dashboard processes below the server (textual-serve starts each through a shell)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if b"modelunit.tui.browser" in cmd and b"-c" not in cmd[:2]:
            found.append(int(entry))
    return found


async def run(url: str, sessions: int) -> tuple[list[float], float, list]:
    async with aiohttp.ClientSession() as http:
        async def one() -> tuple[float, object]:
            start = time.monotonic()
            tab = await open_session(http, url)
            await tab.wait_for("用户名", "密码", timeout=300)
            return time.monotonic() - start, tab

        results = await asyncio.gather(*(one() for _ in range(sessions)))
        tabs = [tab for _, tab in results]
        # One more key in one tab once all are open: is the server still responsive?
        start = time.monotonic()
        await tabs[0].settle("a")
        answer = time.monotonic() - start
        sizes = [(pid, memory_of(pid)) for pid in session_pids(0)]
        for tab in tabs:
            await tab.ws.close()
        return [t for t, _ in results], answer, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--units", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = build_database(folder, args.units)
        with served(db=db_path) as (url, process):
            server_rss, _ = memory_of(process.pid)
            times, answer, sizes = asyncio.run(run(url, args.sessions))
    times.sort()
    rss = [m[0] for _, m in sizes]
    uss = [m[1] for _, m in sizes if m[1] is not None]
    print(f"sessions: {args.sessions} at once, database: {args.units} units, cores: {os.cpu_count()}")
    print(f"time to the sign-in screen: median {statistics.median(times):.1f} s, "
          f"90% {times[int(len(times) * 0.9) - 1]:.1f} s, worst {times[-1]:.1f} s")
    print(f"a key answered with all sessions open: {answer * 1000:.0f} ms (incl. 0.3 s of quiet)")
    if rss:
        print(f"memory per session process: RSS {statistics.median(rss):.0f} MiB"
              + (f", private (USS) {statistics.median(uss):.0f} MiB" if uss else "")
              + f"; {len(rss)} processes, {sum(uss or rss):.0f} MiB in all; server {server_rss:.0f} MiB")


if __name__ == "__main__":
    main()
