"""What each part of the program loads: the domain, storage and command line never load Textual, and a
command loads the slow libraries only when it needs them.

Every reason here is start-up time.  A command line tool pays, on every run, for each module it
imports, and the office runs ``modelunit tally`` and the imports from scripts, once per file or per
unit; the dashboard is the one place where Textual's cost is worth it.  Measured with
``python -X importtime`` on this machine (cumulative): Textual 150–350 ms, tabulate ≈ 50 ms,
PyYAML ≈ 20 ms, XlsxWriter ≈ 20 ms, against ≈ 100 ms for all of ``modelunit.cli``.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD, cli_env
from tests.helpers import to_inspection

# The libraries a command must not load unless it needs them, and why each is kept out.
DEFERRED = {
    "textual": "only the dashboard draws a screen; a headless command never needs it",
    "yaml": "only reading a criteria file needs it (criteria check, campaign create, demo); a campaign keeps "
            "its criteria as stored JSON, so every other command, the tally included, works without it",
    "tabulate": "only printing a table needs it (the slowest import of the CLI): JSON and CSV output, as "
                "scripts read the tally, must not pay for it",
    "xlsxwriter": "only the exports write a workbook",
}


def _headless_modules() -> list[str]:
    """Every module of the package outside ``modelunit.tui``: a new room is covered as soon as it exists."""
    import modelunit

    names = [m.name for m in pkgutil.walk_packages(modelunit.__path__, "modelunit.")]
    return sorted(n for n in names if not n.startswith("modelunit.tui"))


HEADLESS = _headless_modules()


def test_no_headless_module_imports_textual():
    # One interpreter for all of them (fast); each module is checked right after its import,
    # so a failure names the first module that pulled Textual in.
    code = ("import importlib, sys\n"
            f"for name in {HEADLESS!r}:\n"
            "    importlib.import_module(name)\n"
            "    if 'textual' in sys.modules:\n"
            "        print(name); break\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"{out.strip()} imports textual: {DEFERRED['textual']}"
    assert len(HEADLESS) > 20  # the discovery found the package


def test_a_cli_command_does_not_load_textual(tmp_path):
    criteria = Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml"
    code = (f"import sys; from modelunit.cli.main import main; rc = main(['criteria', 'check', {str(criteria)!r}]);"
            "print('TEXTUAL' if 'textual' in sys.modules else 'NONE', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stderr.strip().endswith("NONE")


def test_the_tally_command_loads_only_what_its_output_needs(world):
    to_inspection(world)  # three nominated units: the tally has rows to print
    # One interpreter: import the whole command line first (everything a command can reach when it
    # is imported), then run the tally in each format, noting after each step what is loaded.
    code = ("import json, sys\n"
            "from modelunit.cli import commands, main\n"
            f"deferred = {sorted(DEFERRED)!r}\n"
            "seen = {'import': [m for m in deferred if m in sys.modules]}\n"
            "for fmt in ('json', 'csv', 'table'):\n"
            "    rc = main.main(['tally', '--format', fmt])\n"
            "    seen[fmt] = [rc] + [m for m in deferred if m in sys.modules]\n"
            "sys.stderr.write(json.dumps(seen))\n")
    env = cli_env(db=world.db.path, user="office", password=PASSWORD)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=world.dir,
                       stdin=subprocess.DEVNULL, timeout=120)
    assert "U1" in r.stdout  # the tally was printed, so the checks below saw a real run
    seen = json.loads(r.stderr.strip().splitlines()[-1])
    assert seen["import"] == [], {m: DEFERRED[m] for m in seen["import"]}
    for fmt in ("json", "csv"):
        assert seen[fmt] == [0], {m: DEFERRED[m] for m in seen[fmt][1:]}
    # Only the table needs tabulate, and only once it is printed.
    assert seen["table"] == [0, "tabulate"], {m: DEFERRED.get(m) for m in seen["table"][1:]}
