"""The domain, storage and command line never load Textual (the CLI stays fast)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEADLESS = ["modelunit.domain.tally", "modelunit.domain.campaigns", "modelunit.domain.inspection",
            "modelunit.domain.publicity", "modelunit.domain.nomination", "modelunit.domain.selfcheck",
            "modelunit.domain.units", "modelunit.storage.database", "modelunit.cli.main",
            "modelunit.cli.commands", "modelunit.csvio", "modelunit.demo", "modelunit.domain.views",
            "modelunit.imports", "modelunit.export.workbook", "modelunit.export.score_sheets"]


@pytest.mark.parametrize("module", HEADLESS)
def test_module_imports_without_textual(module):
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_cli_command_does_not_load_textual(tmp_path):
    criteria = Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml"
    code = (f"import sys; from modelunit.cli.main import main; rc = main(['criteria', 'check', {str(criteria)!r}]);"
            "print('TEXTUAL' if 'textual' in sys.modules else 'NONE', file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.stderr.strip().endswith("NONE")
