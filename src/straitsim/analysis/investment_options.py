"""Investment options as data: reading and checking the options file, applying options.

An option (``scenario/data/investments.toml``) is a purchase with a cost, a year from which
it can be in the force, a source, and the changes it makes to the resolved scenario
(``--set`` style keys with ``delta``, ``scale``, ``value`` or ``add``). :func:`load_options`
reads and checks a file (every problem is one :class:`UserError`); :func:`apply_options`
returns a scenario with options' changes applied and re-validated. Evaluation, ranking and
portfolios are in :mod:`straitsim.analysis.investments`, which re-exports these names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from straitsim.errors import UserError
from straitsim.limits import MONEY_USD_MAX, check_money
from straitsim.scenario.load import DATA_DIR, read_toml, validate
from straitsim.scenario.schema import Scenario, Source

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

OPTIONS_PATH = DATA_DIR / "investments.toml"
PEDIGREE_FIELDS = ("cost_usd", "price_year", "year_available")

Year = Annotated[int, Field(ge=1990, le=2100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OptionSource(Source):
    """One bibliography entry of the options file: a scenario source with an optional note."""

    note: str | None = None


class Change(_Strict):
    """One change to the resolved scenario: ``key`` and exactly one of the four operations."""

    key: str
    delta: float | None = None
    scale: Annotated[float, Field(gt=0)] | None = None
    value: bool | int | float | str | None = None
    add: dict[str, Any] | None = None
    why: str | None = None

    @model_validator(mode="after")
    def _one_op(self) -> Change:
        ops = [k for k in ("delta", "scale", "value", "add") if getattr(self, k) is not None]
        if len(ops) != 1:
            raise ValueError(f"exactly one of delta, scale, value, add (found {ops or 'none'})")
        return self

    def describe(self) -> str:
        """``key += 300``, ``key *= 0.5``, ``key = 1`` or ``key: new record``."""
        if self.delta is not None:
            return f"{self.key} {'+' if self.delta >= 0 else '-'}= {abs(self.delta):g}"
        if self.scale is not None:
            return f"{self.key} *= {self.scale:g}"
        if self.value is not None:
            return f"{self.key} = {self.value}"
        return f"{self.key} = new record"


class InvestmentOption(_Strict):
    """A purchase: what it costs (US$, price year), when it can be in place, what it changes."""

    id: str = ""
    name: str
    actor: str
    cost_usd: Annotated[float, Field(gt=0, le=MONEY_USD_MAX)]
    price_year: Year
    year_available: Year
    modelled: bool = True
    reason: str | None = None
    note: str | None = None
    changes: list[Change] = Field(default_factory=list)
    source: str | None = None
    field_sources: dict[str, str] = Field(default_factory=dict)
    assumed: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> InvestmentOption:
        for f in PEDIGREE_FIELDS:
            if self.source is None and f not in self.field_sources and f not in self.assumed:
                raise ValueError(
                    f"'{f}' needs a source: set 'source', field_sources.{f} or assumed.{f}"
                )
        for f in list(self.field_sources) + list(self.assumed):
            if f not in type(self).model_fields:
                raise ValueError(f"pedigree for an unknown field {f!r}")
        if self.modelled and not self.changes:
            raise ValueError("a modelled option needs at least one [[changes]] entry")
        if not self.modelled and not self.reason:
            raise ValueError("an option with modelled = false needs a 'reason'")
        return self

    def cost_basis(self) -> str:
        """``source KEY`` or ``assumption: RATIONALE`` for the cost."""
        if "cost_usd" in self.assumed:
            return "assumption: " + self.assumed["cost_usd"]
        return "source " + (self.field_sources.get("cost_usd") or self.source or "")

    def row(self) -> dict[str, Any]:
        """Table row: id, name, actor, cost, price year, availability, cost basis, changes."""
        return {
            "option": self.id,
            "name": self.name,
            "actor": self.actor,
            "cost_usd": self.cost_usd,
            "price_year": self.price_year,
            "year_available": self.year_available,
            "modelled": self.modelled,
            "cost_basis": self.cost_basis(),
            "changes": "; ".join(c.describe() for c in self.changes),
        }

    def cost_source(self) -> str | None:
        """Source key of the cost (None when the cost is an assumption)."""
        if "cost_usd" in self.assumed:
            return None
        return self.field_sources.get("cost_usd") or self.source


class _OptionsFile(_Strict):
    kind: Literal["investments"] | None = None
    options: dict[str, InvestmentOption]
    sources: dict[str, OptionSource] = Field(default_factory=dict)


@dataclass(frozen=True)
class OptionSet:
    """Options read from one file, with that file's bibliography."""

    options: dict[str, InvestmentOption]
    sources: dict[str, OptionSource]
    path: str

    def table(self) -> pd.DataFrame:
        """One row per option: cost, price year, availability, cost basis and changes."""
        import pandas as pd

        rows = [o.row() for o in self.options.values()]
        return pd.DataFrame(rows).set_index("option")


def load_options(path: str | Path | None = None) -> OptionSet:
    """Read and check an options file (default: the built-in ``investments.toml``).

    Any problem is one :class:`UserError` naming the file, the key, what was expected and
    what was found.
    """
    p = Path(path) if path is not None else OPTIONS_PATH
    label = str(path) if path is not None else "<built-in investments.toml>"
    raw = read_toml(p, label)
    if not isinstance(raw.get("options"), dict) or not raw["options"]:
        raise UserError(
            "no options",
            file=label,
            key="options",
            expected="one or more [options.ID] tables",
            found=repr(raw.get("options")),
        )
    for oid, body in raw["options"].items():
        if isinstance(body, dict):
            body["id"] = oid
    try:
        parsed = _OptionsFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        found = repr(err.get("input"))
        found = found if len(found) <= 60 else found[:57] + "..."
        if err["type"] == "extra_forbidden":
            raise UserError(
                "unknown key",
                file=label,
                key=loc,
                expected="a documented key (see the file header)",
                found=found,
            ) from None
        if err["type"] == "missing":
            raise UserError(
                "missing key", file=label, key=loc, expected="a value", found="nothing"
            ) from None
        raise UserError(
            "invalid value", file=label, key=loc, expected=err["msg"].lower(), found=found
        ) from None
    srcs = parsed.sources
    for oid, o in parsed.options.items():
        cited = [("source", o.source)]
        cited += [(f"field_sources.{k}", v) for k, v in o.field_sources.items()]
        cited += [
            (f"changes[{i}].add.source", ch.add.get("source"))
            for i, ch in enumerate(o.changes)
            if ch.add is not None
        ]
        for f, key in cited:
            if key is not None and key not in srcs:
                raise UserError(
                    "unknown source key",
                    file=label,
                    key=f"options.{oid}.{f}",
                    expected="a key of [sources]",
                    found=repr(key),
                )
    return OptionSet(dict(parsed.options), dict(srcs), label)


# ================================ applying options ========================================
def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _apply_one(d: dict[str, Any], ch: Change, where: Callable[..., UserError]) -> None:
    parts = ch.key.split(".")
    params = d["params"]
    if len(parts) == 1 and parts[0] in params:
        parts = ["params", parts[0]]
    if len(parts) == 2 and parts[0] == "params":
        if parts[1] not in params:
            raise where("unknown parameter", "a name listed by `straitsim show`", parts[1])
        prm = params[parts[1]]
        dist = prm.get("dist")
        if ch.add is not None or (ch.value is not None and not _number(ch.value)):
            raise where(
                "bad change to a parameter", "delta, scale or a numeric value", ch.add or ch.value
            )
        if ch.value is not None:
            prm["value"], prm["dist"] = float(ch.value), None
            return
        add_, mul_ = ch.delta or 0.0, ch.scale if ch.scale is not None else 1.0

        def op(x: float) -> float:
            return x * mul_ + add_

        prm["value"] = op(prm["value"])
        if dist:
            prm["dist"] = {
                k: (op(v) if k in ("low", "high", "mode") and v is not None else v)
                for k, v in dist.items()
            }
        return
    node: Any = d
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise where(
                "unknown key",
                "a key of the resolved scenario (see `straitsim show`)",
                ".".join(parts[: i + 1]),
            )
        node = node[part]
    last = parts[-1]
    if not isinstance(node, dict):
        raise where("unknown key", "a key of the resolved scenario", ch.key)
    cur = node.get(last)
    if ch.add is not None:
        if last in node:
            raise where("record already exists", "a new key for 'add'", ch.key)
        node[last] = dict(ch.add)
        return
    if ch.value is not None:
        if isinstance(cur, dict):
            raise where(
                "cannot replace a table with a value", "a sub-key, e.g. " + ch.key + ".n", ch.value
            )
        node[last] = ch.value
        return
    if last not in node:
        raise where("unknown key", "a key of the resolved scenario (see `straitsim show`)", last)
    if not _number(cur):
        raise where("not a number", "a numeric key for delta/scale", cur)
    new = cur + ch.delta if ch.delta is not None else cur * ch.scale  # type: ignore[operator]
    node[last] = int(round(new)) if isinstance(cur, int) and float(new).is_integer() else new


def apply_options(
    sc: Scenario,
    options: Sequence[InvestmentOption],
    sources: Mapping[str, OptionSource] | None = None,
    label: str = "options",
) -> Scenario:
    """Return the scenario with every change of ``options`` applied, in order, and re-validated."""
    d = sc.model_dump(by_alias=True)
    for o in options:
        for i, ch in enumerate(o.changes):

            def where(
                what: str, expected: str, found: Any, _o: InvestmentOption = o, _i: int = i
            ) -> UserError:
                return UserError(
                    f"option '{_o.id}': {what}",
                    file=label,
                    key=f"options.{_o.id}.changes[{_i}] ({_o.changes[_i].key})",
                    expected=expected,
                    found=repr(found),
                )

            _apply_one(d, ch, where)
    for k, s in (sources or {}).items():
        d["sources"].setdefault(k, s.model_dump(exclude={"note"}))
    try:
        return validate(d, {}, f"{sc.name} + " + ", ".join(o.id for o in options))
    except UserError as exc:
        ids = ", ".join(o.id for o in options)
        raise UserError(
            f"option(s) {ids} make an invalid scenario: {exc.detail}",
            file=label,
            key=exc.key,
            expected=exc.expected,
            found=exc.found,
        ) from None


def parse_usd(text: str | float | int | None) -> float | None:
    """``5e9``, ``5bn``, ``500m``, ``2.4 billion`` -> US$ (None stays None)."""
    if text is None or _number(text):
        return None if text is None else check_money(float(text), "budget")
    m = re.fullmatch(
        r"\s*\$?\s*([0-9.]+(?:e[0-9]+)?)\s*(bn|b|billion|m|mn|million|k)?\s*",
        str(text).lower().replace(",", "").replace("_", ""),
    )
    if not m:
        raise UserError(
            "bad amount", key="budget", expected="US$ as 5e9, 5bn or 500m", found=repr(text)
        )
    mult = {"bn": 1e9, "b": 1e9, "billion": 1e9, "m": 1e6, "mn": 1e6, "million": 1e6, "k": 1e3}.get(
        m.group(2) or "", 1.0
    )
    try:
        value = float(m.group(1)) * mult
    except ValueError:
        raise UserError(
            "bad amount", key="budget", expected="US$ as 5e9, 5bn or 500m", found=repr(text)
        ) from None
    return check_money(value, "budget")  # finite: "1e400" parses as infinity
