"""The workbook's words: from the catalogue, always in Chinese.

The workbook and the score sheets are official forms an office prints and files, so they are
Chinese whatever ``--lang`` the interface runs in.
"""

from __future__ import annotations

from datetime import date

from modelunit.i18n import t_in


def zh(key: str, /, **params: object) -> str:
    return t_in("zh", key, **params)


def type_name(unit_type: str) -> str:
    return zh(f"type.{unit_type}") if unit_type else ""


def status_name(status: str) -> str:
    return zh(f"status.{status}")


def stage_name(stage: str) -> str:
    return zh(f"stage.{stage}")


def conclusion_name(conclusion: str) -> str:
    return zh(f"conclusion.{conclusion}")


def objection_state(state: str) -> str:
    return zh(f"objection.{state}")


def yes_no(value: bool) -> str:
    return zh("yes") if value else zh("no")


def cn_date(iso: str | None) -> str:
    """2026-05-18 → 2026年5月18日, as an official document writes a date."""
    if not iso:
        return ""
    day = date.fromisoformat(iso[:10])
    return zh("wb.cn_date", y=day.year, m=day.month, d=day.day)
