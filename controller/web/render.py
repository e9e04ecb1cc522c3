"""Templates: one Jinja2 environment per language, with gettext from the Babel catalogs."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..domain.asset_kinds import KIND_LABELS as ASSET_KIND_LABELS, AssetKind
from ..domain.choices import CONDITION_LABELS, ROLE_LABELS, SLOT_LABELS, Condition, Role, SlotState
from ..domain.custody_flow import IN_CUSTODY, STATE_LABELS, CustodyState
from ..domain.on_behalf import OFFICES, outside_step
from ..models.base import utcnow
from . import elevation, labels
from .asset_forms import CHOICES, FIELD_LABELS
from .i18n import Formatter, label, translations
from .session import csrf_token, lang_of, pop_flashes

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment(lang: str) -> Environment:
    """Per language, so no request ever changes another's translations (thread-safe)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # Added to the Environment by the jinja2.ext.i18n extension at run time; its stubs do not know it.
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    gt = translations(lang).gettext
    env.globals.update(lang=lang, action_label=lambda a: labels.action_label(a, gt),
                       doc_kind=lambda k: labels.document_kind(k, gt),
                       field_label=lambda f: labels.field_label(f, gt),
                       finding_kind=lambda k: gt(labels.FINDING_KINDS[k]) if k in labels.FINDING_KINDS else k,
                       finding_status=lambda s: labels.status_badge(labels.FINDING_STATUS, s, gt),
                       run_status=lambda s: labels.status_badge(labels.RUN_STATUS, s, gt), checklist=labels.CHECKLIST,
                       palette=elevation.PALETTE,
                       state_label=lambda s: _label(STATE_LABELS, CustodyState, s, lang),
                       condition_label=lambda c: _label(CONDITION_LABELS, Condition, c, lang),
                       role_label=lambda r: _label(ROLE_LABELS, Role, r, lang),
                       slot_label=lambda s: _label(SLOT_LABELS, SlotState, s, lang),
                       held=_held, detail=lambda d: labels.detail_text(d, gt),
                       on_behalf_label=lambda code: _office(code, lang), outside_step=outside_step,
                       asset_kind_label=lambda k: _label(ASSET_KIND_LABELS, AssetKind, k, lang),
                       asset_attributes=_attributes,
                       asset_field_label=lambda f: gt(FIELD_LABELS[f]) if f in FIELD_LABELS else f,
                       asset_choice=lambda v: gt(CHOICES[v]) if v in CHOICES else v)
    return env


# The office states a server's condition once it has had it in hand (received, inspected).
_HELD = frozenset(str(s) for s in IN_CUSTODY | {CustodyState.returned, CustodyState.rejected})


def _attributes(server: Any) -> dict[str, Any]:
    """A register row's own fields (by its kind), for the asset's page."""
    raw = getattr(server, "attributes", None)
    return json.loads(raw) if raw else {}


def _office(code: str | None, lang: str) -> str:
    """The name of the outside office a step was recorded for (domain/on_behalf.py)."""
    office = OFFICES.get(code or "")
    return (label(office.label, lang) if office else code) or "-"


def _held(state: str | None) -> bool:
    """Whether a request's server has been received, so its recorded condition is a finding and
    not the record's default."""
    return state in _HELD


def _label(table: dict, enum: type, value: str | None, lang: str) -> dict[str, str]:
    """{'text', 'colour'} for a declared status; an unknown value shows as itself, grey."""
    try:
        lbl = table[enum(value)]
    except (ValueError, KeyError):
        return {"text": str(value or "-"), "colour": "grey"}
    return {"text": label(lbl, lang), "colour": lbl.colour}


def gettext_for(request: Request) -> labels.Gettext:
    return translations(lang_of(request)).gettext


def people(request: Request) -> Callable[[str | None], str]:
    """`person(username)` for templates: the full name a page shows for a login ("Petugas: Agus
    Prasetyo", not "officer"). The users are read once per page, and only if a page names one."""
    names: dict[str, str] | None = None

    def person(username: str | None) -> str:
        nonlocal names
        if not username:
            return "—"
        if names is None:
            from sqlalchemy import select

            from ..models import User
            sessions = getattr(request.app.state, "sessions", None)
            names = {}
            if sessions is not None:
                with sessions() as db:
                    names = {u: n for u, n in db.execute(select(User.username, User.full_name)) if n}
        return names.get(username, username)

    return person


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    settings = request.app.state.settings
    user = getattr(request.state, "user", None)
    fmt = Formatter(lang, settings.timezone)
    html = environment(lang).get_template(template).render(
        request=request, user=user, csrf=csrf_token(request), flashes=pop_flashes(request), fmt=fmt,
        now=utcnow(), office_name=settings.office_name, path=request.url.path,
        **{"person": people(request), **context})
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
