"""Criteria sets (验收标准): loading, validating and the objects the tally reads.

A criteria file is YAML read with PyYAML's *safe* composer only; aliases are
refused before they are expanded (no alias bombs), unknown keys and duplicate
ids are errors, and every problem carries the line it was found on so the
office can fix the file (DESIGN §5).
"""

from __future__ import annotations

import hashlib
import os
import re
import string
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, overload

from modelunit.errors import BadInput, LineErrors, ModelUnitError
from modelunit.numbers import is_multiple, parse_number, plain
from modelunit.storage.files import read_regular

DIMENSIONS = ("measures", "effects")
AGGREGATES = ("mean", "median", "trimmed_mean")
ID_PATTERN = re.compile(r"^[a-z0-9-]+$")
MAX_CRITERIA = 30
MAX_FILE_BYTES = 2_000_000
DEFAULT_CERTIFICATE_FORMAT = "{year}-{batch:02d}-{seq:03d}"
CERTIFICATE_FIELDS = ("year", "batch", "seq")
MAX_DOCUMENTS = 30


@dataclass(frozen=True)
class Indicator:
    name: str
    target: Fraction
    unit: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    text: str
    points: Fraction
    evidence: tuple[str, ...] = ()
    indicator: Indicator | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    items: tuple[Item, ...]

    @property
    def points(self) -> Fraction:
        return sum((i.points for i in self.items), Fraction(0))

    def dimension_points(self, dimension: str) -> Fraction:
        return sum((i.points for i in self.items if i.dimension == dimension), Fraction(0))


@dataclass(frozen=True)
class Veto:
    id: str
    text: str


@dataclass(frozen=True)
class Bonus:
    id: str
    text: str
    points: Fraction


@dataclass(frozen=True)
class Scoring:
    pass_line: Fraction
    step: Fraction = Fraction(1, 2)
    aggregate: str = "mean"
    min_inspectors: int = 3
    criterion_floor: Fraction = Fraction(0)
    bonus_cap: Fraction = Fraction(0)
    satisfaction_weight: Fraction = Fraction(0)


@dataclass(frozen=True)
class Naming:
    """How titles are given (DESIGN §3a): validity, the ban after a revocation, certificate numbers."""

    validity_years: int = 3
    reapply_ban_years: int = 2
    certificate_format: str = DEFAULT_CERTIFICATE_FORMAT

    def certificate(self, year: int, batch: int, seq: int) -> str:
        return self.certificate_format.format(year=year, batch=batch, seq=seq)


@dataclass(frozen=True)
class CriteriaSet:
    id: str
    title: str
    version: str
    scoring: Scoring
    criteria: tuple[Criterion, ...]
    total: Fraction | None = None
    publicity_days: int = 7
    evidence_required: int = 1
    vetoes: tuple[Veto, ...] = ()
    bonuses: tuple[Bonus, ...] = ()
    documents: tuple[str, ...] = ()  # application documents every nomination must carry (申报材料)
    naming: Naming = Naming()
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for c in self.criteria:
            for it in c.items:
                self._index[it.id] = (c, it)

    @property
    def items(self) -> list[Item]:
        return [it for c in self.criteria for it in c.items]

    def item(self, item_id: str) -> Item | None:
        found = self._index.get(item_id)
        return found[1] if found else None

    def criterion_of(self, item_id: str) -> Criterion | None:
        found = self._index.get(item_id)
        return found[0] if found else None

    def criterion(self, cid: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == cid), None)

    def bonus(self, bid: str) -> Bonus | None:
        return next((b for b in self.bonuses if b.id == bid), None)

    def veto(self, vid: str) -> Veto | None:
        return next((v for v in self.vetoes if v.id == vid), None)

    @property
    def item_points(self) -> Fraction:
        return sum((it.points for it in self.items), Fraction(0))


# --------------------------------------------------------------------------- YAML


class _AliasFound(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@lru_cache(maxsize=1)
def _loader_class():
    """PyYAML's safe loader, refusing aliases before they are expanded (no alias bombs).

    Built on first use so that commands which never read YAML do not import PyYAML.
    """
    import yaml
    from yaml.events import AliasEvent

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(AliasEvent):
                raise _AliasFound(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)

    return NoAliasLoader


class _Problems:
    """Collects ``(line, path, key, params)`` while a file is checked."""

    def __init__(self) -> None:
        self.items: list[tuple[int, str, str, dict]] = []

    def add(self, line: int, path: str, key: str, **params: object) -> None:
        self.items.append((line, path, key, params))


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _compose(loader, node, path: str, lines: dict, problems: _Problems):
    """Turn a node tree into plain data, recording each path's line."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    line = node.start_mark.line + 1
    lines[path] = line
    if isinstance(node, MappingNode):
        if node.tag != "tag:yaml.org,2002:map":
            problems.add(line, path, "criteria.bad_tag", tag=node.tag)
            return None
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                problems.add(key_node.start_mark.line + 1, path, "criteria.bad_key")
                continue
            key = key_node.value
            sub = _child(path, key)
            if key in out:
                problems.add(key_node.start_mark.line + 1, sub, "criteria.duplicate_key")
                continue
            out[key] = _compose(loader, value_node, sub, lines, problems)
            lines.setdefault(sub, key_node.start_mark.line + 1)
        return out
    if isinstance(node, SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            problems.add(line, path, "criteria.bad_tag", tag=node.tag)
            return None
        return [_compose(loader, v, _child(path, i), lines, problems) for i, v in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
        # PyYAML's own constructors raise plain exceptions for values like ``!!int x``.
        problems.add(line, path, "criteria.bad_tag", tag=node.tag)
        return None


def _parse_yaml(text: str, label: str) -> tuple[Any, dict[str, int]]:
    import yaml

    problems = _Problems()
    lines: dict[str, int] = {}
    loader = None
    try:
        loader = _loader_class()(text)
        node = loader.get_single_node()
        if node is None:
            raise LineErrors([(label, 1, BadInput("criteria.empty"))])
        data = _compose(loader, node, "", lines, problems)
    except _AliasFound as e:
        raise LineErrors([(label, e.line, BadInput("criteria.alias"))]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise LineErrors([(label, line, BadInput("criteria.yaml_syntax", detail=e.problem or str(e)))]) from None
    except yaml.reader.ReaderError as e:
        line = text[:e.position].count("\n") + 1
        raise LineErrors([(label, line, BadInput("criteria.yaml_syntax",
                                                  detail=f"character #x{e.character:04x} not allowed"))]) from None
    except yaml.YAMLError as e:
        raise LineErrors([(label, 1, BadInput("criteria.yaml_syntax", detail=str(e)))]) from None
    except RecursionError:
        raise LineErrors([(label, 1, BadInput("criteria.too_deep"))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems.items:
        raise _as_errors(label, problems)
    return data, lines


def _as_errors(label: str, problems: _Problems) -> LineErrors:
    out: list[tuple[str, int, ModelUnitError]] = []
    for line, path, key, params in sorted(problems.items, key=lambda p: p[0]):
        out.append((label, line, BadInput("criteria.problem", path=path or "(root)", reason=BadInput(key, **params))))
    return LineErrors(out)


# --------------------------------------------------------------------------- validation


class _Checker:
    """Walks the plain data, building a :class:`CriteriaSet` or collecting problems."""

    def __init__(self, lines: dict[str, int]) -> None:
        self.lines = lines
        self.problems = _Problems()

    def line(self, path: str) -> int:
        while path and path not in self.lines:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return self.lines.get(path, 1)

    def err(self, path: str, key: str, **params: object) -> None:
        self.problems.add(self.line(path), path, key, **params)

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict | None:
        if not isinstance(value, dict):
            self.err(path, "criteria.not_mapping")
            return None
        for key in value:
            if key not in allowed:
                self.err(_child(path, key), "criteria.unknown_key")
        for key in required:
            if key not in value or value[key] is None:
                self.problems.add(self.line(path), _child(path, key), "criteria.required")
        return value

    def text(self, m: dict, key: str, path: str, required: bool = True) -> str:
        value = m.get(key)
        sub = _child(path, key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.err(sub, "criteria.not_text")
            return ""
        return value.strip()

    # With a default, a number always comes back (the default stands in for a bad or missing value).
    @overload
    def number(self, m: dict, key: str, path: str, default: Fraction,
               low: Fraction | None = None, high: Fraction | None = None,
               positive: bool = False, integer: bool = False) -> Fraction: ...

    @overload
    def number(self, m: dict, key: str, path: str, default: None = None,
               low: Fraction | None = None, high: Fraction | None = None,
               positive: bool = False, integer: bool = False) -> Fraction | None: ...

    def number(self, m: dict, key: str, path: str, default: Fraction | None = None,
               low: Fraction | None = None, high: Fraction | None = None,
               positive: bool = False, integer: bool = False) -> Fraction | None:
        value = m.get(key)
        sub = _child(path, key)
        if value is None:
            return default
        n = parse_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if n is None:
            self.err(sub, "criteria.not_number")
            return default
        if integer and n.denominator != 1:
            self.err(sub, "criteria.not_integer")
            return default
        if positive and n <= 0:
            self.err(sub, "criteria.not_positive")
            return default
        if low is not None and n < low or high is not None and n > high:
            self.err(sub, "criteria.out_of_range", low=_show(low), high=_show(high))
            return default
        return n

    def check(self, data: Any) -> CriteriaSet | None:
        root = self.mapping(data, "", ("id", "title", "version", "total", "scoring", "publicity",
                                        "evidence", "application", "naming", "criteria", "vetoes", "bonuses"),
                            ("id", "title", "version", "scoring", "criteria"))
        if root is None:
            return None
        set_id = root.get("id")
        if set_id is not None and (not isinstance(set_id, str) or not ID_PATTERN.match(set_id)):
            self.err("id", "criteria.bad_set_id")
        title = self.text(root, "title", "")
        version = root.get("version")
        if version is not None and not isinstance(version, str):
            self.err("version", "criteria.version_text")
        total = self.number(root, "total", "", positive=True)
        scoring = self.scoring(root.get("scoring"))
        step = scoring.step if scoring else Fraction(1, 2)

        publicity_days = 7
        if root.get("publicity") is not None:
            pub = self.mapping(root["publicity"], "publicity", ("working_days",), ())
            if pub is not None:
                publicity_days = int(self.number(pub, "working_days", "publicity", Fraction(7),
                                                 low=Fraction(1), high=Fraction(60), integer=True))
        evidence_required = 1
        if root.get("evidence") is not None:
            ev = self.mapping(root["evidence"], "evidence", ("required_per_criterion",), ())
            if ev is not None:
                evidence_required = int(self.number(ev, "required_per_criterion", "evidence", Fraction(1),
                                                    low=Fraction(0), high=Fraction(100), integer=True))

        documents = self.documents(root.get("application"))
        naming = self.naming(root.get("naming"))

        seen_ids: dict[str, str] = {}
        criteria = self.criteria(root.get("criteria"), step, seen_ids)
        vetoes = self.vetoes(root.get("vetoes"), seen_ids)
        bonuses = self.bonuses(root.get("bonuses"), step, seen_ids)

        if total is not None and criteria:
            item_sum = sum((it.points for c in criteria for it in c.items), Fraction(0))
            if item_sum != total:
                self.err("total", "criteria.total_mismatch", total=_show(total), sum=_show(item_sum))
        if self.problems.items or scoring is None:
            return None
        assert isinstance(set_id, str) and isinstance(version, str)  # required keys, so reported if missing
        return CriteriaSet(id=set_id, title=title, version=version, scoring=scoring,
                           criteria=tuple(criteria), total=total, publicity_days=publicity_days,
                           evidence_required=evidence_required, vetoes=tuple(vetoes), bonuses=tuple(bonuses),
                           documents=tuple(documents), naming=naming)

    def documents(self, value: Any) -> list[str]:
        if value is None:
            return []
        m = self.mapping(value, "application", ("documents",), ())
        if m is None:
            return []
        out: list[str] = []
        path = "application.documents"
        for k, name in enumerate(self.listing(m.get("documents"), path, 0, MAX_DOCUMENTS)):
            sub = _child(path, k)
            if not isinstance(name, str) or not name.strip():
                self.err(sub, "criteria.not_text")
            elif name.strip() in out:
                self.err(sub, "criteria.duplicate_document", name=name.strip())
            elif len(name.strip()) > 100 or any(not ch.isprintable() for ch in name.strip()):
                self.err(sub, "criteria.bad_document")
            else:
                out.append(name.strip())
        return out

    def naming(self, value: Any) -> Naming:
        if value is None:
            return Naming()
        m = self.mapping(value, "naming", ("validity_years", "reapply_ban_years", "certificate_format"), ())
        if m is None:
            return Naming()
        validity = self.number(m, "validity_years", "naming", Fraction(3), low=Fraction(1), high=Fraction(20),
                               integer=True)
        ban = self.number(m, "reapply_ban_years", "naming", Fraction(2), low=Fraction(0), high=Fraction(20),
                          integer=True)
        fmt = m.get("certificate_format")
        if fmt is None:
            fmt = DEFAULT_CERTIFICATE_FORMAT
        elif not isinstance(fmt, str) or not fmt.strip():
            self.err("naming.certificate_format", "criteria.not_text")
            fmt = DEFAULT_CERTIFICATE_FORMAT
        else:
            problem = certificate_format_problem(fmt)
            if problem is not None:
                self.err("naming.certificate_format", problem[0], **problem[1])
                fmt = DEFAULT_CERTIFICATE_FORMAT
        return Naming(validity_years=int(validity), reapply_ban_years=int(ban), certificate_format=fmt)

    def scoring(self, value: Any) -> Scoring | None:
        if value is None:
            return None  # already reported as a missing required key
        m = self.mapping(value, "scoring", ("step", "aggregate", "min_inspectors", "pass_line", "criterion_floor",
                                            "bonus_cap", "satisfaction_weight"), ("pass_line",))
        if m is None:
            return None
        step = self.number(m, "step", "scoring", Fraction(1, 2), positive=True)
        aggregate = m.get("aggregate", "mean")
        if aggregate not in AGGREGATES:
            self.err("scoring.aggregate", "criteria.bad_choice", choices=" | ".join(AGGREGATES))
            aggregate = "mean"
        min_inspectors = self.number(m, "min_inspectors", "scoring", Fraction(3), low=Fraction(1),
                                     high=Fraction(99), integer=True)
        pass_line = self.number(m, "pass_line", "scoring", low=Fraction(0))
        floor = self.number(m, "criterion_floor", "scoring", Fraction(0), low=Fraction(0), high=Fraction(1))
        cap = self.number(m, "bonus_cap", "scoring", Fraction(0), low=Fraction(0))
        weight = self.number(m, "satisfaction_weight", "scoring", Fraction(0), low=Fraction(0), high=Fraction(1, 2))
        if pass_line is None:
            return None
        return Scoring(pass_line=pass_line, step=step, aggregate=aggregate, min_inspectors=int(min_inspectors),
                       criterion_floor=floor, bonus_cap=cap, satisfaction_weight=weight)

    def ident(self, m: dict, path: str, seen: dict[str, str]) -> str:
        value = m.get("id")
        sub = _child(path, "id")
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip() or any(ch.isspace() or ch in ",|" for ch in value):
            self.err(sub, "criteria.bad_id")
            return ""
        if value in seen:
            self.err(sub, "criteria.duplicate_id", id=value, other=seen[value])
        else:
            seen[value] = sub
        return value

    def points(self, m: dict, path: str, step: Fraction) -> Fraction:
        pts = self.number(m, "points", path, positive=True)
        if pts is not None and not is_multiple(pts, step):
            self.err(_child(path, "points"), "criteria.not_step", step=_show(step))
        return pts if pts is not None else Fraction(0)

    def listing(self, value: Any, path: str, low: int, high: int) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.err(path, "criteria.not_list")
            return []
        if not low <= len(value) <= high:
            self.err(path, "criteria.count", low=low, high=high)
        return value

    def criteria(self, value: Any, step: Fraction, seen: dict[str, str]) -> list[Criterion]:
        out = []
        for i, raw in enumerate(self.listing(value, "criteria", 1, MAX_CRITERIA)):
            path = _child("criteria", i)
            m = self.mapping(raw, path, ("id", "title", "items"), ("id", "title", "items"))
            if m is None:
                continue
            cid = self.ident(m, path, seen)
            title = self.text(m, "title", path)
            items_path = _child(path, "items")
            raw_items = m.get("items")
            items = []
            for j, raw_item in enumerate(self.listing(raw_items, items_path, 1, 200)):
                item = self.item(raw_item, _child(items_path, j), step, seen)
                if item is not None:
                    items.append(item)
            out.append(Criterion(id=cid, title=title, items=tuple(items)))
        return out

    def item(self, raw: Any, path: str, step: Fraction, seen: dict[str, str]) -> Item | None:
        m = self.mapping(raw, path, ("id", "dimension", "text", "points", "evidence", "indicator"),
                         ("id", "dimension", "text", "points"))
        if m is None:
            return None
        iid = self.ident(m, path, seen)
        dimension = m.get("dimension")
        if dimension is not None and dimension not in DIMENSIONS:
            self.err(_child(path, "dimension"), "criteria.bad_choice", choices=" | ".join(DIMENSIONS))
        text = self.text(m, "text", path)
        pts = self.points(m, path, step)
        evidence: list[str] = []
        ev_path = _child(path, "evidence")
        for k, title in enumerate(self.listing(m.get("evidence"), ev_path, 0, 100)):
            if not isinstance(title, str) or not title.strip():
                self.err(_child(ev_path, k), "criteria.not_text")
            else:
                evidence.append(title.strip())
        indicator = None
        if m.get("indicator") is not None:
            ind_path = _child(path, "indicator")
            im = self.mapping(m["indicator"], ind_path, ("name", "target", "unit"), ("name", "target"))
            if im is not None:
                name = self.text(im, "name", ind_path)
                target = self.number(im, "target", ind_path, low=Fraction(0))
                unit = im.get("unit", "")
                if unit is None:
                    unit = ""
                if not isinstance(unit, str):
                    self.err(_child(ind_path, "unit"), "criteria.not_text")
                    unit = ""
                if name and target is not None:
                    indicator = Indicator(name=name, target=target, unit=unit)
        return Item(id=iid, dimension=dimension or "measures", text=text, points=pts,
                    evidence=tuple(evidence), indicator=indicator)

    def vetoes(self, value: Any, seen: dict[str, str]) -> list[Veto]:
        out = []
        for i, raw in enumerate(self.listing(value, "vetoes", 0, 100)):
            path = _child("vetoes", i)
            m = self.mapping(raw, path, ("id", "text"), ("id", "text"))
            if m is not None:
                out.append(Veto(id=self.ident(m, path, seen), text=self.text(m, "text", path)))
        return out

    def bonuses(self, value: Any, step: Fraction, seen: dict[str, str]) -> list[Bonus]:
        out = []
        for i, raw in enumerate(self.listing(value, "bonuses", 0, 100)):
            path = _child("bonuses", i)
            m = self.mapping(raw, path, ("id", "text", "points"), ("id", "text", "points"))
            if m is not None:
                out.append(Bonus(id=self.ident(m, path, seen), text=self.text(m, "text", path),
                                 points=self.points(m, path, step)))
        return out


def certificate_format_problem(fmt: str) -> tuple[str, dict] | None:
    """Why a certificate format cannot number certificates, or None: only the fields year, batch
    and seq, seq among them (numbers must be unique), and a result that is a short printable line."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError as e:
        return "criteria.bad_format", {"detail": str(e)}
    names = [name for _, name, _, _ in parsed if name is not None]
    for name in names:
        if name not in CERTIFICATE_FIELDS:
            return "criteria.format_field", {"field": name or "{}", "fields": ", ".join(CERTIFICATE_FIELDS)}
    if "seq" not in names:
        return "criteria.format_no_seq", {}
    try:
        sample = fmt.format(year=2024, batch=1, seq=1)
    except (ValueError, TypeError, KeyError, IndexError) as e:
        return "criteria.bad_format", {"detail": str(e)}
    if not sample.strip() or len(sample) > 64 or any(not ch.isprintable() for ch in sample):
        return "criteria.bad_format", {"detail": sample[:20]}
    return None


def _show(value: Fraction | None) -> str:
    return "" if value is None else plain(value)


# --------------------------------------------------------------------------- public API


def parse_criteria(text: str, label: str) -> CriteriaSet:
    """Parse and validate criteria YAML; raise :class:`LineErrors` listing every problem."""
    data, lines = _parse_yaml(text, label)
    checker = _Checker(lines)
    result = checker.check(data)
    if result is None:
        raise _as_errors(label, checker.problems)
    return result


def builtin_criteria(name: str) -> str | None:
    """The packaged criteria file called ``name`` (or ``name.yaml``), unless a file of that name exists here."""
    if os.path.exists(name) or os.sep in name or (os.altsep and os.altsep in name):
        return None
    stem = name[:-5] if name.endswith(".yaml") else name
    packaged = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", f"{stem}.yaml")
    return packaged if stem and os.path.isfile(packaged) else None


def read_criteria_file(path: str) -> tuple[CriteriaSet, str, str]:
    """Read a criteria file, or a built-in set by name (``nine-measures``) when no such file exists;
    returns the set, its text and the sha256 of its bytes."""
    path = builtin_criteria(path) or path
    raw = read_regular(path, MAX_FILE_BYTES)  # a FIFO or a device is refused, never waited on
    if len(raw) > MAX_FILE_BYTES:
        raise BadInput("file.too_large", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LineErrors([(path, 1, BadInput("criteria.not_utf8"))]) from None
    return parse_criteria(text, path), text, hashlib.sha256(raw).hexdigest()


def criteria_to_dict(cs: CriteriaSet) -> dict:
    """Plain, JSON-safe form (numbers as exact text) stored in a campaign."""
    def num(x: Fraction | None) -> str | None:
        return None if x is None else plain(x)

    sc = cs.scoring
    return {
        "id": cs.id, "title": cs.title, "version": cs.version, "total": num(cs.total),
        "scoring": {"step": num(sc.step), "aggregate": sc.aggregate, "min_inspectors": sc.min_inspectors,
                    "pass_line": num(sc.pass_line), "criterion_floor": num(sc.criterion_floor),
                    "bonus_cap": num(sc.bonus_cap), "satisfaction_weight": num(sc.satisfaction_weight)},
        "publicity_days": cs.publicity_days, "evidence_required": cs.evidence_required,
        "criteria": [{"id": c.id, "title": c.title, "items": [
            {"id": it.id, "dimension": it.dimension, "text": it.text, "points": num(it.points),
             "evidence": list(it.evidence),
             "indicator": None if it.indicator is None else {
                 "name": it.indicator.name, "target": num(it.indicator.target), "unit": it.indicator.unit}}
            for it in c.items]} for c in cs.criteria],
        "vetoes": [{"id": v.id, "text": v.text} for v in cs.vetoes],
        "bonuses": [{"id": b.id, "text": b.text, "points": num(b.points)} for b in cs.bonuses],
        "documents": list(cs.documents),
        "naming": {"validity_years": cs.naming.validity_years, "reapply_ban_years": cs.naming.reapply_ban_years,
                   "certificate_format": cs.naming.certificate_format},
    }


def criteria_from_dict(d: dict) -> CriteriaSet:
    """Inverse of :func:`criteria_to_dict` (the stored copy is trusted: it was validated)."""
    F = Fraction
    sc = d["scoring"]
    return CriteriaSet(
        id=d["id"], title=d["title"], version=d["version"], total=None if d["total"] is None else F(d["total"]),
        scoring=Scoring(pass_line=F(sc["pass_line"]), step=F(sc["step"]), aggregate=sc["aggregate"],
                        min_inspectors=sc["min_inspectors"], criterion_floor=F(sc["criterion_floor"]),
                        bonus_cap=F(sc["bonus_cap"]), satisfaction_weight=F(sc["satisfaction_weight"])),
        publicity_days=d["publicity_days"], evidence_required=d["evidence_required"],
        criteria=tuple(Criterion(id=c["id"], title=c["title"], items=tuple(
            Item(id=it["id"], dimension=it["dimension"], text=it["text"], points=F(it["points"]),
                 evidence=tuple(it["evidence"]),
                 indicator=None if it["indicator"] is None else Indicator(
                     it["indicator"]["name"], F(it["indicator"]["target"]), it["indicator"]["unit"]))
            for it in c["items"])) for c in d["criteria"]),
        vetoes=tuple(Veto(v["id"], v["text"]) for v in d["vetoes"]),
        bonuses=tuple(Bonus(b["id"], b["text"], F(b["points"])) for b in d["bonuses"]),
        # Campaigns stored before application documents and naming existed have neither key.
        documents=tuple(d.get("documents", ())),
        naming=Naming(**d["naming"]) if d.get("naming") else Naming(),
    )
