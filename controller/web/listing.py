"""One way for every list page to filter, sort, page and export, server side.

A page declares a `ListSpec` (the columns it may sort by, the columns a text search looks in,
which column holds the state and the unit); `ListQuery.parse` reads `?q=&state=&unit=&sort=
&dir=&page=&per=&format=` against it and `apply` turns it into SQL. An unknown sort column, a
page that is not a number or an unknown format is a 400 naming the parameter, never a silently
different list. `export` writes exactly the rows the filters select (every page of them) as CSV
or XLSX, in the order the list shows them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from openpyxl import Workbook
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from ..documents.cells import FORMULA_PREFIXES, append_row
from ..errors import Invalid
from ..models import Unit

PER_PAGE = (25, 50, 100, 200)
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ListSpec:
    sorts: dict[str, Any]                       # name in the URL -> column (the whitelist)
    default_sort: str
    default_desc: bool = False
    text: Sequence[Any] = ()                    # columns `q` searches (case-insensitive, substring)
    state: Any = None                           # the column `state=` filters on
    states: Sequence[str] = ()                  # the values `state=` accepts
    unit: Any = None                            # a unit id column: `unit=CODE` filters on it
    joins: Sequence[Callable[[Select], Select]] = ()  # joins the text search or sorting needs


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    state: str = ""
    unit: str = ""
    sort: str = ""
    desc: bool = False
    page: int = 1
    per: int = PER_PAGE[0]
    format: str = ""
    chosen: bool = False      # the reader chose the sort (else the page's own default order)
    extra: dict[str, str] = field(default_factory=dict)   # a page's own params (e.g. show=all), kept in links

    @classmethod
    def parse(cls, request: Request, spec: ListSpec, keep: Sequence[str] = ()) -> ListQuery:
        p = request.query_params
        sort = p.get("sort") or spec.default_sort
        if sort not in spec.sorts:
            raise Invalid(f"cannot sort by '{sort}'; one of {', '.join(spec.sorts)}", field="sort")
        direction = p.get("dir") or ("desc" if spec.default_desc and sort == spec.default_sort else "asc")
        if direction not in ("asc", "desc"):
            raise Invalid("dir is asc or desc", field="dir")
        state = (p.get("state") or "").strip()
        if state and state not in spec.states:
            raise Invalid(f"unknown state '{state}'", field="state")
        fmt = p.get("format") or ""
        if fmt and fmt not in FORMATS:
            raise Invalid("format is csv or xlsx", field="format")
        return cls(q=(p.get("q") or "").strip()[:100], state=state, unit=(p.get("unit") or "").strip()[:32],
                   sort=sort, desc=direction == "desc", page=_int(p.get("page"), 1, "page"),
                   per=_per(p.get("per")), format=fmt, chosen=bool(p.get("sort")),
                   extra={k: p[k] for k in keep if p.get(k)})

    # --- SQL -----------------------------------------------------------------------------
    def apply(self, stmt: Select, spec: ListSpec) -> Select:
        """The filters and the order; `stmt` may carry its own order, which the sort replaces."""
        for join in spec.joins:
            stmt = join(stmt)
        if self.q and spec.text:
            like = f"%{_escape_like(self.q.lower())}%"
            stmt = stmt.where(or_(*(func.lower(c).like(like, escape="\\") for c in spec.text)))
        if self.state and spec.state is not None:
            stmt = stmt.where(spec.state == self.state)
        if self.unit and spec.unit is not None:
            stmt = stmt.where(spec.unit.in_(select(Unit.id).where(Unit.code == self.unit)))
        col = spec.sorts[self.sort]
        ident = next(iter(spec.sorts.values()))  # the first sort column breaks ties (the id)
        order = [col.desc() if self.desc else col.asc()]
        if col is not ident:
            order.append(ident.desc() if self.desc else ident.asc())
        return stmt.order_by(None).order_by(*order)

    def page_of(self, db: Session, stmt: Select) -> tuple[list[Any], int]:
        """One page of rows and the count of all rows the filters select."""
        total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        last = max(1, -(-total // self.per))
        page = min(self.page, last)
        rows = list(db.execute(stmt.offset((page - 1) * self.per).limit(self.per)))
        return [r[0] if len(r) == 1 else r for r in rows], total

    def all_of(self, db: Session, stmt: Select) -> list[Any]:
        return [r[0] if len(r) == 1 else r for r in db.execute(stmt)]

    # --- links ---------------------------------------------------------------------------
    def params(self, **changes: Any) -> dict[str, str]:
        lq = replace(self, **{k: v for k, v in changes.items() if k in self.__dataclass_fields__})
        out = dict(self.extra)
        out.update({k: v for k, v in changes.items() if k not in self.__dataclass_fields__})
        for key, value in (("q", lq.q), ("state", lq.state), ("unit", lq.unit)):
            if value:
                out[key] = value
        if lq.chosen:
            out["sort"], out["dir"] = lq.sort, "desc" if lq.desc else "asc"
        if lq.page != 1:
            out["page"] = str(lq.page)
        if lq.per != PER_PAGE[0]:
            out["per"] = str(lq.per)
        if lq.format:
            out["format"] = lq.format
        return {k: v for k, v in out.items() if v not in (None, "")}

    def url(self, path: str, **changes: Any) -> str:
        return f"{path}?{urlencode(self.params(**changes))}"

    def sort_url(self, path: str, column: str) -> str:
        """Click a column once: ascending; again: descending; back to the first page."""
        return self.url(path, sort=column, desc=self.sort == column and not self.desc, page=1, chosen=True)


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    per: int
    links: list[tuple[int | None, str | None]]   # (page number or None for a gap, url)
    prev: str | None
    next: str | None
    first_row: int
    last_row: int


def pager(lq: ListQuery, path: str, total: int) -> Pager:
    pages = max(1, -(-total // lq.per))
    page = min(lq.page, pages)
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[tuple[int | None, str | None]] = []
    for n in shown:
        if links and links[-1][0] is not None and n - links[-1][0] > 1:
            links.append((None, None))
        links.append((n, lq.url(path, page=n)))
    return Pager(page, pages, total, lq.per, links, lq.url(path, page=page - 1) if page > 1 else None,
                 lq.url(path, page=page + 1) if page < pages else None,
                 (page - 1) * lq.per + 1 if total else 0, min(page * lq.per, total))


def export(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> Response:
    """The rows as a download; text that a spreadsheet would run as a formula stays text."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "private, no-store"}
    if fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = name[:31]
        append_row(ws, list(header))
        for row in rows:
            append_row(ws, list(row))
        buf = io.BytesIO()
        wb.save(buf)
        return Response(buf.getvalue(), media_type=XLSX_TYPE, headers=headers)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return Response("\ufeff" + text.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _int(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(f"{name} must be a whole number", field=name) from None
    if value < 1:
        raise Invalid(f"{name} starts at 1", field=name)
    return value


def _per(raw: str | None) -> int:
    value = _int(raw, PER_PAGE[0], "per")
    if value not in PER_PAGE:
        raise Invalid(f"per is one of {', '.join(map(str, PER_PAGE))}", field="per")
    return value


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = ["ListSpec", "ListQuery", "Pager", "pager", "export", "PER_PAGE"]
