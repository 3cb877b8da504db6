"""Bulk imports from CSV files: one table of what each import reads and which action it calls.

The command line and the dashboard both import through :func:`run_import`, so
a file is read, checked and applied the same way wherever it comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from modelunit import csvio
from modelunit.domain import assignment, nomination, selfcheck, sheets, units, vetoes
from modelunit.domain.context import Context
from modelunit.i18n import t


@dataclass(frozen=True)
class ImportKind:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    action: str  # the permission it needs (the dashboard offers only what the role may do)
    apply: Callable[[Context, list, str, str], str]  # (ctx, rows, path, reason) → message


def _units(ctx, rows, path, reason):
    new, updated = units.import_units(ctx, rows, path)
    return t("unit.imported", new=new, updated=updated)


def _selfcheck(ctx, rows, path, reason):
    return t("selfcheck.imported", count=selfcheck.import_selfcheck(ctx, rows, path))


def _materials(ctx, rows, path, reason):
    requests, lines = nomination.material_rows(rows, path)
    filed = nomination.add_materials(ctx, requests, label=path, lines=lines)
    return "\n".join([t("material.added", count=filed.added)] + [m.render() for m in filed.already])


def _teams(ctx, rows, path, reason):
    pairs = [(r.get("unit", "").strip(), r.get("inspector", "").strip()) for _, r in rows]
    return t("inspect.assigned", count=assignment.assign(ctx, pairs, label=path, lines=[n for n, _ in rows]))


def _scores(ctx, rows, path, reason):
    return t("score.imported", count=sheets.import_scores(ctx, rows, path, reason=reason))


def _satisfaction(ctx, rows, path, reason):
    return t("satisfaction.imported", count=vetoes.import_satisfaction(ctx, rows, path))


IMPORTS: dict[str, ImportKind] = {
    "units": ImportKind(("code", "name", "type"), ("contact", "phone"), "unit.import", _units),
    "selfcheck": ImportKind(("unit", "item", "score"), ("note", "indicator"), "selfcheck.edit", _selfcheck),
    # Each row names a criterion (evidence) or an application document, so neither column is required.
    "materials": ImportKind(("unit", "path"), ("criterion", "title", "document"), "material.add", _materials),
    "teams": ImportKind(("unit", "inspector"), (), "inspect.assign", _teams),
    "scores": ImportKind(("unit", "inspector", "item", "score"), ("note",), "score.edit", _scores),
    "satisfaction": ImportKind(("unit", "score"), (), "satisfaction.set", _satisfaction),
}


def run_import(ctx: Context, kind: str, path: str, reason: str = "") -> str:
    """Read ``path`` as the CSV of ``kind`` and apply it all or nothing; returns the message to show."""
    spec = IMPORTS[kind]
    rows = csvio.read_rows(path, spec.required, spec.optional, kind)
    return spec.apply(ctx, rows, path, reason)


# ``user import`` prints the passwords it issues, so it is not an ImportKind; its columns are read
# like every other import's (English or the Chinese names of csvio.HEADERS["users"]).
USER_COLUMNS = (("name", "role"), ("real_name", "unit", "contact"))


def read_users(path: str) -> list:
    return csvio.read_rows(path, *USER_COLUMNS, kind="users")
