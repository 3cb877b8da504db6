"""The README's command blocks, read the way a newcomer copies them: every ```bash block, in order.

``tests/test_readme.py`` and ``tests/test_readme_tools.py`` run them; this module only finds them and
prepares the folder a reader would run them in (a copy of the project's ``criteria/``, ``data/`` and
``benchmarks/``, the installed ``modelunit`` first on the PATH, no ``MODELUNIT_*`` settings of ours).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests import forkserver

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


@dataclass(frozen=True)
class Block:
    line: int  # where the block's first command is, for failure messages
    text: str

    @property
    def commands(self) -> list[str]:
        """Each command line of the block, continuation lines joined, comments kept out."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        return [c.strip() for c in joined.splitlines() if c.strip() and not c.strip().startswith("#")]

    @property
    def is_setup(self) -> bool:
        return "python3 -m venv" in self.text

    @property
    def is_serve(self) -> bool:
        """The browser block: servers that run until stopped (run on a free port, page fetched, stopped)."""
        return any(" serve" in c or "--serve" in c for c in self.commands)

    @property
    def is_postgresql(self) -> bool:
        """The PostgreSQL block (run by tests/test_pg.py against the suite's cluster)."""
        return "postgresql://" in self.text and not self.is_tools

    @property
    def is_tools(self) -> bool:
        """The reliability, benchmark and development commands (run as their quick forms)."""
        return any(w in self.text for w in ("benchmarks/", "ruff check", "tests/reliability"))


def blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    found = []
    for m in re.finditer(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        found.append(Block(text.count("\n", 0, m.start(1)) + 1, m.group(1)))
    return found


def reader_folder(tmp: Path) -> Path:
    """A folder holding what a reader has beside the README: criteria/, data/, benchmarks/."""
    for name in ("criteria", "data", "benchmarks"):
        shutil.copytree(ROOT / name, tmp / name)
    return tmp


def reader_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env["HOME"] = str(tmp)
    env["MYPY_CACHE_DIR"] = str(tmp / ".mypy_cache")
    env.pop("COLUMNS", None)
    return env


def run_script(script: str, cwd: Path, timeout: float = 600, forked: bool = False) -> subprocess.CompletedProcess:
    """Run commands as one bash session (exports carry over, as in the reader's terminal), stopping
    at the first that fails; each command is echoed to stderr so a failure names it.  ``forked``: each
    ``modelunit`` runs in a child of the tests' fork server (its own process, with the session's streams,
    folder and environment) instead of starting Python anew — for the long examples; the installed
    command itself is run by the demo's test."""
    env = reader_env(cwd)
    if forked:
        env["PATH"] = forkserver.shell_bin() + os.pathsep + env["PATH"]
    return subprocess.run(["bash", "-e", "-x", "-c", script], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=timeout)


def failed(result: subprocess.CompletedProcess) -> str:
    """The command that failed and what it said: the last lines of the echoed session."""
    return "\n".join((result.stdout + "\n" + result.stderr).splitlines()[-25:])
