"""Dashboard start-up in a real terminal (tmux) against a bare Textual app with a 200-row DataTable.

    python benchmarks/tui_startup.py            # best of five runs each
    python benchmarks/tui_startup.py --runs 1   # one run each (the README test)

Each run starts the program in a fresh tmux window and polls the screen until
the expected text appears; the figure is the best of five runs.  Quitting is
checked too (ctrl+q must end the process).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = '''
from textual.app import App
from textual.widgets import DataTable, Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("code", "name", "type", "status", "evidence", "total", "rank")
        for i in range(200):
            t.add_row(f"U{i:03d}", f"单位{i}", "街道", "公示中", "9/9", "95.00", str(i + 1))

Bare().run()
'''


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


_runs = 0


def time_until(command: str, marker: str, cwd: str, env: dict) -> float:
    global _runs
    _runs += 1
    name = f"bench{os.getpid()}-{_runs}"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-x", "160", "-y", "45", "-s", name, command], cwd=cwd, env=env,
                   check=True)
    while time.perf_counter() - start < 30:
        if marker in tmux("capture-pane", "-p", "-t", name):
            elapsed = time.perf_counter() - start
            tmux("send-keys", "-t", name, "C-q")
            for _ in range(100):
                time.sleep(0.05)
                if subprocess.run(["tmux", "has-session", "-t", name], capture_output=True).returncode:
                    return elapsed
            tmux("kill-session", "-t", name)
            raise SystemExit(f"{command!r} did not quit on ctrl+q")
        time.sleep(0.01)
    tmux("kill-session", "-t", name)
    raise SystemExit(f"{marker!r} never appeared for {command!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="runs of each program; the figure is the best")
    runs = max(1, parser.parse_args().runs)
    if not shutil.which("tmux"):
        raise SystemExit("needs tmux (apt-get install tmux)")
    env = {**os.environ, "TERM": "xterm-256color"}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare.py").write_text(BARE, encoding="utf-8")
        subprocess.run([sys.executable, "-m", "modelunit.cli.main", "demo", "--no-tui"], cwd=tmp, env=env,
                       capture_output=True, check=True)
        bare = min(time_until(f"{sys.executable} bare.py", "U000", tmp, env) for _ in range(runs))
        # The dashboard is ready when the pipeline and the first unit rows are on screen.
        ours = min(time_until(f"{sys.executable} -m modelunit.cli.main demo", "区人口和计划生育委员会", tmp, env)
                   for _ in range(runs))
    print(f"bare Textual app, 200-row DataTable : {bare:.2f} s to first screen")
    print(f"modelunit demo (dashboard)          : {ours:.2f} s to first screen (ratio {ours / bare:.2f}x)")
    print("both quit cleanly on ctrl+q")


if __name__ == "__main__":
    main()
