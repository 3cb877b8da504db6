"""Who may do what, in which stage, on which unit (DESIGN §1) — deny by default.

Every action of the domain layer calls :func:`require` before it writes.  An
action missing from :data:`RULES` is refused for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelunit.domain.models import Campaign, Entry, Stage, User
from modelunit.errors import Msg, Refused

ALL_STAGES = frozenset(Stage)  # of every kind of campaign


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    stages: frozenset[str] = ALL_STAGES
    # "own": a unit clerk only on their own unit; "assigned": an inspector only on assigned units.
    scope: frozenset[str] = frozenset()


def _r(roles: str, stages: str | None = None, scope: str = "") -> Rule:
    return Rule(frozenset(roles.split()), frozenset(stages.split()) if stages else ALL_STAGES,
                frozenset(scope.split()))


RULES: dict[str, Rule] = {
    "campaign.create": _r("admin"),
    "campaign.advance": _r("admin"),
    "campaign.view": _r("admin inspector unit"),
    "user.add": _r("admin"),
    "unit.import": _r("admin"),
    "unit.view": _r("admin inspector unit", scope="own assigned"),
    "selfcheck.edit": _r("admin unit", "selfcheck", "own"),
    "selfcheck.submit": _r("admin unit", "selfcheck", "own"),
    "material.add": _r("admin unit", "nomination", "own"),
    "material.supplement": _r("admin", "nomination inspection"),
    "nominate": _r("admin unit", "nomination", "own"),
    # 初审: the office returns a nomination for 补正 while nomination is open.
    "review.return": _r("admin", "nomination"),
    "inspect.assign": _r("admin", "nomination inspection"),
    "score.edit": _r("admin inspector", "inspection", "assigned"),
    "score.submit": _r("admin inspector", "inspection", "assigned"),
    "score.view": _r("admin inspector unit", scope="own assigned"),
    "satisfaction.set": _r("admin", "nomination inspection"),
    "veto": _r("admin", "nomination inspection publicity"),
    "tally.view": _r("admin unit", scope="own"),
    "publicity.start": _r("admin", "publicity"),
    "objection.add": _r("admin", "publicity"),
    "objection.resolve": _r("admin", "publicity"),
    "award": _r("admin", "award"),
    "audit.view": _r("admin"),
    # Titles (DESIGN §3a) outlive campaigns: no stage applies.  A clerk reads their own unit's titles
    # and history; an inspector's view ends at their assignments (§1), so neither is theirs.
    "title.view": _r("admin unit", scope="own"),
    "title.rectified": _r("admin"),
    "title.revoke": _r("admin"),
    "history.view": _r("admin unit", scope="own"),
    "recheck.add": _r("admin", "inspection"),
    "export": _r("admin"),
}


def require(actor: User, action: str, campaign: Campaign | None = None, entry: Entry | None = None,
            unit_code: str | None = None) -> None:
    """Raise :class:`Refused` unless ``actor`` may perform ``action`` here and now."""
    rule = RULES.get(action)
    if rule is None or actor.role not in rule.roles:
        raise Refused("perm.role", action=Msg("action." + action), role=Msg("role." + actor.role))
    code = entry.unit if entry is not None else unit_code
    if actor.role == "unit" and "own" in rule.scope and code is not None and code != actor.unit:
        raise Refused("perm.not_own_unit", unit=code)
    if actor.role == "inspector" and "assigned" in rule.scope and entry is not None \
            and actor.name not in entry.inspectors:
        raise Refused("perm.not_assigned", unit=entry.unit)
    if campaign is not None and campaign.stage not in rule.stages:
        raise Refused("perm.stage", action=Msg("action." + action), stage=Msg("stage." + campaign.stage))


def allowed(actor: User, action: str, campaign: Campaign | None = None, entry: Entry | None = None) -> bool:
    """The same test without raising — the dashboard greys out what this returns False for."""
    try:
        require(actor, action, campaign, entry)
    except Refused:
        return False
    return True


def can_see_unit(actor: User, entry: Entry) -> bool:
    if actor.role == "admin":
        return True
    if actor.role == "unit":
        return entry.unit == actor.unit
    return actor.name in entry.inspectors
