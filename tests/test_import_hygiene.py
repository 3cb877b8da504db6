"""The domain, storage and command line never load Textual (the CLI stays fast)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path


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
    assert out.strip() == "", f"{out.strip()} imports textual"
    assert len(HEADLESS) > 20  # the discovery found the package


def test_a_cli_command_does_not_load_textual(tmp_path):
    criteria = Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml"
    code = (f"import sys; from modelunit.cli.main import main; rc = main(['criteria', 'check', {str(criteria)!r}]);"
            "print('TEXTUAL' if 'textual' in sys.modules else 'NONE', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stderr.strip().endswith("NONE")
