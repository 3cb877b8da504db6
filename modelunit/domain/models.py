"""The records of a campaign as dataclasses, converted to and from dicts at the storage edge."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar


class Stage(StrEnum):
    """The stages of a campaign (DESIGN §3, §3a); which ones and in what order depends on its kind."""

    SELFCHECK = "selfcheck"
    NOMINATION = "nomination"
    INSPECTION = "inspection"
    PUBLICITY = "publicity"
    AWARD = "award"
    CONCLUSION = "conclusion"  # 复查结论: the last stage of a re-check campaign


class Status(StrEnum):
    """A unit's status within a campaign (DESIGN §3); stored as its string value."""

    REGISTERED = "registered"
    SELFCHECK_SUBMITTED = "selfcheck_submitted"
    NOMINATED = "nominated"
    RETURNED = "returned"  # 初审: sent back for 补正, nominates again by the due date
    NOT_NOMINATED = "not_nominated"
    INSPECTED = "inspected"
    CANDIDATE = "candidate"
    NOT_SELECTED = "not_selected"
    IN_PUBLICITY = "in_publicity"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"
    AWARDED = "awarded"
    REVOKED = "revoked"  # 撤销命名: the title this campaign gave was taken away
    # A re-check campaign (年度复查): drawn for inspection, then its result.
    SAMPLED = "sampled"
    PASSED = "passed"
    NOT_PASSED = "not_passed"


# The stages of a creation campaign (DESIGN §3) and of a re-check campaign (§3a), in order.
STAGES = (Stage.SELFCHECK, Stage.NOMINATION, Stage.INSPECTION, Stage.PUBLICITY, Stage.AWARD)
RECHECK_STAGES = (Stage.SELFCHECK, Stage.INSPECTION, Stage.CONCLUSION)
KINDS = ("creation", "recheck")


def stages_of(kind: str) -> tuple[Stage, ...]:
    """The one place that says which stages a campaign of this kind runs through."""
    return RECHECK_STAGES if kind == "recheck" else STAGES

ROLES = ("admin", "inspector", "unit")
UNIT_TYPES = ("township", "street", "department", "other")
UNIT_TYPE_NAMES = {"乡镇": "township", "街道": "street", "区直部门": "department", "部门": "department",
                   "其他": "other"}

# Short names for the statuses: the domain compares against these (a StrEnum equals its stored string).
REGISTERED = Status.REGISTERED
SELFCHECK_SUBMITTED = Status.SELFCHECK_SUBMITTED
NOMINATED = Status.NOMINATED
RETURNED = Status.RETURNED
NOT_NOMINATED = Status.NOT_NOMINATED
INSPECTED = Status.INSPECTED
CANDIDATE = Status.CANDIDATE
NOT_SELECTED = Status.NOT_SELECTED
IN_PUBLICITY = Status.IN_PUBLICITY
APPROVED = Status.APPROVED
WITHDRAWN = Status.WITHDRAWN
AWARDED = Status.AWARDED
REVOKED = Status.REVOKED
SAMPLED = Status.SAMPLED
PASSED = Status.PASSED
NOT_PASSED = Status.NOT_PASSED
STATUSES = tuple(Status)
# Statuses in which a unit can be assigned inspectors and scored.
ASSESSABLE = (NOMINATED, INSPECTED, SAMPLED)
# Statuses of a unit that has nominated itself (or was recommended): the tally lists these.
# In a re-check campaign the sampled units take their place (SAMPLED, then INSPECTED).
NOMINATED_STATUSES = (NOMINATED, INSPECTED, CANDIDATE, NOT_SELECTED, IN_PUBLICITY, APPROVED, WITHDRAWN, AWARDED,
                      REVOKED, SAMPLED)

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build a dataclass from a stored dict, ignoring keys it does not know."""
    names = _field_names(cls)  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})


@cache
def _field_names(cls: Any) -> frozenset[str]:
    # dataclasses.fields() costs more than the copy itself; records are read by the thousand.
    return frozenset(f.name for f in fields(cls))


def to_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)


def list_from_dicts(cls: type[T], items: list) -> list[T]:
    """Stored dicts (or records already built) as a list of dataclasses."""
    return [item if isinstance(item, cls) else from_dict(cls, item) for item in items or []]


@dataclass
class User:
    name: str
    role: str
    password_hash: str
    unit: str | None = None
    created_at: str = ""
    real_name: str = ""  # shown beside the login name on sheets, in the workbook and the audit view
    contact: str = ""
    disabled: bool = False  # a disabled user cannot sign in; the record and its history stay
    must_change: bool = False  # an initial password (user import, reset-password): change it first

    @property
    def display(self) -> str:
        """``zhang（张伟）`` where a real name is known, else the login name."""
        return f"{self.name}（{self.real_name}）" if self.real_name else self.name


@dataclass
class Unit:
    code: str
    name: str
    type: str
    contact: str = ""
    phone: str = ""


@dataclass
class Campaign:
    id: str
    year: int
    batch: int
    title: str
    criteria: dict
    criteria_sha256: str
    criteria_source: str = ""
    criteria_text: str = ""
    issuer: str = ""
    approval_ref: str = ""
    quota: int | None = None
    quota_by_type: dict[str, int] = field(default_factory=dict)  # unit type → places; excludes `quota`
    selfcheck_due: str | None = None
    nomination_due: str | None = None
    holidays: list[str] = field(default_factory=list)
    workdays: list[str] = field(default_factory=list)  # 调休: weekend days that are working days
    stage: str = "selfcheck"
    stage_log: list[dict] = field(default_factory=list)  # {stage, opened_at, opened_by, reason}
    publicity_start: str | None = None
    publicity_end: str | None = None
    award_date: str | None = None
    next_certificate: int = 1
    created_at: str = ""
    # 年度复查 (DESIGN §3a): the kind, and for a re-check its sample rule, seed and draw.
    kind: str = "creation"
    sample_percent: str | None = None  # exact text, e.g. "20"
    seed: int | None = None
    sample: list[str] = field(default_factory=list)  # drawn codes, then any the office added
    sample_added: list[str] = field(default_factory=list)
    recheck_titles: dict[str, str] = field(default_factory=dict)  # unit → key of the title it re-checks
    from_campaign: str | None = None

    @property
    def stages(self) -> tuple[Stage, ...]:
        return stages_of(self.kind)
    # Where and how the public may object (printed on the 公示 notice).
    contact_phone: str = ""
    contact_address: str = ""
    contact_email: str = ""
    # 审定: the approving body's decision that names the units.
    decided_by: str = ""
    decision_ref: str = ""
    decision_date: str | None = None


@dataclass
class Material:
    """One file filed by a unit: evidence for a criterion, or an application document (申报材料)."""

    criterion: str = ""  # the criterion id; empty for an application document
    title: str = ""
    name: str = ""  # the original file name
    sha256: str = ""
    size: int = 0
    added_at: str = ""
    added_by: str = ""
    supplement: bool = False  # added by the office after the nomination (补充材料)
    reason: str = ""
    document: str = ""  # the application document's name (criteria ``application.documents``)


@dataclass
class Gap:
    """A gap (问题) found in the self-check, with its rectification (整改)."""

    id: str
    item: str
    problem: str
    measure: str = ""
    due: str | None = None
    status: str = "open"  # open | in_progress | done


@dataclass
class VetoRecord:
    """A veto item (否决项) applied to a unit."""

    item: str
    reason: str
    by: str = ""
    at: str = ""


@dataclass
class Entry:
    """One unit's part in one campaign: its status and everything it filed."""

    campaign: str
    unit: str
    status: str = REGISTERED
    selfcheck: dict[str, dict] = field(default_factory=dict)  # item → {score, note, indicator}
    gaps: list[Gap] = field(default_factory=list)
    selfcheck_submitted_at: str | None = None
    selfcheck_late: bool = False
    selfcheck_reason: str = ""  # why the office accepted a late self-check
    materials: list[Material] = field(default_factory=list)
    nominated_at: str | None = None
    recommended_by: str = ""
    nomination_reason: str = ""
    nomination_late: bool = False
    inspectors: list[str] = field(default_factory=list)
    satisfaction: str | None = None
    vetoes: list[VetoRecord] = field(default_factory=list)
    certificate: str | None = None
    awarded_at: str | None = None
    sampled: bool = False  # re-check: drawn (or added) for on-site inspection
    # 初审: the office's request for 补正 when it returned the nomination, and the date to answer by.
    review_request: str = ""
    review_due: str | None = None
    returned_at: str | None = None
    returned_by: str = ""

    def __post_init__(self) -> None:
        # Stored entries hold plain dicts; the domain works on records.
        self.materials = list_from_dicts(Material, self.materials)
        self.gaps = list_from_dicts(Gap, self.gaps)
        self.vetoes = list_from_dicts(VetoRecord, self.vetoes)

    @property
    def key(self) -> str:
        return entry_key(self.campaign, self.unit)

    def evidence_counts(self) -> dict[str, int]:
        """How many evidence files the unit filed for each criterion id."""
        counts: dict[str, int] = {}
        for m in self.materials:
            if m.criterion:
                counts[m.criterion] = counts.get(m.criterion, 0) + 1
        return counts

    def documents_filed(self) -> set[str]:
        """The names of the application documents the unit filed."""
        return {m.document for m in self.materials if m.document}


@dataclass
class Sheet:
    """One inspector's score sheet for one unit."""

    campaign: str
    unit: str
    inspector: str
    scores: dict[str, str] = field(default_factory=dict)  # item/bonus id → exact score text
    notes: dict[str, str] = field(default_factory=dict)
    hearing: str = ""  # 听取汇报 notes
    visit: str = ""  # 现场查看 notes
    submitted: bool = False
    submitted_at: str | None = None

    @property
    def key(self) -> str:
        return sheet_key(self.campaign, self.unit, self.inspector)


@dataclass
class Objection:
    id: str
    campaign: str
    unit: str
    text: str
    source: str = ""
    date: str = ""
    status: str = "open"  # open | upheld | dismissed
    note: str = ""
    recorded_by: str = ""
    resolved_by: str = ""
    resolved_at: str | None = None
    # Who objected (异议须实名): name, organisation and how to reach them.
    objector: str = ""
    organisation: str = ""
    contact: str = ""


def entry_key(campaign: str, unit: str) -> str:
    return f"{campaign}|{unit}"


def sheet_key(campaign: str, unit: str, inspector: str) -> str:
    return f"{campaign}|{unit}|{inspector}"
