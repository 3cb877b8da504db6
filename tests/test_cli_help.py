"""``--help`` speaks the interface's language (Chinese by default, English with --lang en) and
describes every option of every command."""

from __future__ import annotations

import argparse
import re

import pytest

from modelunit.cli.main import build_parser, main
from modelunit.i18n import set_lang
from tests.conftest import run_cli

CJK = re.compile(r"[\u3400-\u9fff]")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every (path, parser) of the command tree, the top level included."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, path + (name,))


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]


def _in_language(text: str, lang: str) -> bool:
    cjk = len(CJK.findall(text))
    if lang == "zh":
        return cjk >= 2
    return re.search(r"[A-Za-z]{3}", text) is not None and cjk * 3 < len(text)


set_lang("zh")
COMMANDS = [path for path, _ in _commands(build_parser("zh"))]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_option_of_every_command_is_described_in_the_language(lang, capsys):
    set_lang(lang)
    tree = dict(_commands(build_parser(lang)))
    assert len(tree) > 50
    for path in COMMANDS:
        with pytest.raises(SystemExit) as done:
            main(["--lang", lang, *path, "--help"])
        assert done.value.code == 0
        printed = capsys.readouterr().out
        assert printed.startswith("用法：" if lang == "zh" else "usage: "), path
        assert ("选项" if lang == "zh" else "options:") in printed, path
        parser = tree[path]
        if path:
            assert parser.description and _in_language(parser.description, lang), path
        for action in _options(parser):
            where = (path, action.option_strings or action.dest)
            assert action.help, where
            assert not action.help.startswith("help."), where
            assert _in_language(action.help, lang), (where, action.help)
            # Shown beside the option (argparse may wrap a long one: its opening words are enough).
            assert re.sub(r"\s+", "", action.help)[:8] in re.sub(r"\s+", "", printed), where


def test_help_in_english_from_the_command_line_and_from_the_environment():
    by_option = run_cli("--lang", "en", "campaign", "create", "--help")
    assert by_option.returncode == 0
    assert "--quota-by-type" in by_option.stdout and "places for the whole campaign" in by_option.stdout
    assert not CJK.search(by_option.stdout.split("\n")[0])
    by_env = run_cli("material", "remove", "--help", env={"MODELUNIT_LANG": "en"})
    assert "the criterion the record is filed under" in by_env.stdout
    chinese = run_cli("campaign", "create", "--help")
    assert chinese.stdout.startswith("用法：") and "全活动的命名名额" in chinese.stdout
