"""A rack elevation as inline SVG (NetBox's dcim/svg idea): pure, no database, no request.

The page passes in what `services.space.elevation` found and what is known about each server's
health; this module only draws. In pick mode (an officer choosing a slot for a request) each
free U whose range of the request's height fits is a link to the confirmation page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from markupsafe import Markup, escape

from ..domain.choices import CONDITION_LABELS, SLOT_LABELS, Label, SlotState
from .i18n import label

# Colour names used by the declared labels, as hex (the stylesheet's badges use the same).
PALETTE: dict[str, str] = {
    "grey": "#6c757d", "lightgrey": "#ced4da", "purple": "#6f42c1", "indigo": "#3f51b5",
    "blue": "#1c64b4", "cyan": "#0b8fa6", "teal": "#0f8a7e", "green": "#1e8a3e",
    "yellow": "#c99a06", "orange": "#e8710a", "red": "#c62828",
}
U_HEIGHT, WIDTH, GUTTER, PAD = 18, 320, 30, 6
CHAR_W = 6.4  # average glyph width of the bold 10 px sans font, to shorten labels that would overflow


# StrEnum keys: the plain string a Health carries finds them.
_CONDITION_BY_TEXT: dict[str | None, Label] = {k: v for k, v in CONDITION_LABELS.items()}


class UnitLike(Protocol):
    """One U as the renderer reads it (read-only: services.space.ElevationU is frozen)."""

    @property
    def u(self) -> int: ...
    @property
    def state(self) -> SlotState: ...
    @property
    def allocation_id(self) -> int | None: ...
    @property
    def holder(self) -> str | None: ...
    @property
    def server_id(self) -> int | None: ...
    @property
    def label(self) -> str | None: ...


@dataclass(frozen=True)
class Health:
    """What the elevation shows of a server: its recorded condition and whether it answers."""

    condition: str | None = None
    up: bool | None = None  # None: not checked yet


@dataclass(frozen=True)
class Pick:
    """Pick mode: `fits` are the bottom U at which the request's server fits."""

    height_u: int
    fits: frozenset[int]
    href: Callable[[int], str]


@dataclass(frozen=True)
class Block:
    u_bottom: int
    height: int
    state: SlotState
    holder: str | None = None
    label: str | None = None
    server_id: int | None = None
    allocation_id: int | None = None

    @property
    def u_top(self) -> int:
        return self.u_bottom + self.height - 1


def blocks(units: Sequence[UnitLike]) -> list[Block]:
    """Consecutive U of one allocation become one block; every free U is its own block."""
    out: list[Block] = []
    for unit in sorted(units, key=lambda x: x.u):
        last = out[-1] if out else None
        if (unit.allocation_id is not None and last is not None and last.allocation_id == unit.allocation_id
                and last.u_top + 1 == unit.u):
            out[-1] = Block(last.u_bottom, last.height + 1, last.state, last.holder, last.label,
                            last.server_id, last.allocation_id)
        else:
            out.append(Block(unit.u, 1, SlotState(unit.state), unit.holder, unit.label, unit.server_id,
                             unit.allocation_id))
    return out


def _fit(text: str, width: float) -> str:
    """Shorten to the room there is; a trailing "(serial)" goes whole before a word is cut."""
    room = max(int(width / CHAR_W), 3)
    if len(text) > room and text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")]
    return text if len(text) <= room else text[: room - 1] + "…"


def _y(height_u: int, u_top: int) -> int:
    return PAD + (height_u - u_top) * U_HEIGHT


def _free(rack: str, b: Block, height_u: int, pick: Pick | None, gettext: Callable[[str], str]) -> str:
    y = _y(height_u, b.u_top)
    rect = (f'<rect x="{GUTTER}" y="{y}" width="{WIDTH - GUTTER - PAD}" height="{U_HEIGHT}" '
            f'class="u-free" />')
    if pick is None or b.u_bottom not in pick.fits:
        return f'<g data-rack="{escape(rack)}" data-u="{b.u_bottom}" data-state="free">{rect}</g>'
    top = b.u_bottom + pick.height_u - 1
    title = gettext("Choose U%(bottom)s–U%(top)s") % {"bottom": b.u_bottom, "top": top}
    choose = gettext("choose")
    return (f'<a href="{escape(pick.href(b.u_bottom))}" class="u-pick" data-rack="{escape(rack)}" '
            f'data-u="{b.u_bottom}" data-state="free"><title>{escape(title)}</title>'
            f'{rect.replace("u-free", "u-free u-fits")}'
            f'<text x="{WIDTH - PAD - 6}" y="{y + 13}" text-anchor="end" class="u-pick-text">'
            f'{escape(choose)}</text></a>')


def _held(rack: str, b: Block, height_u: int, lang: str, health: Health | None,
          gettext: Callable[[str], str], link: Callable[[int], str] | None = None) -> str:
    y, h = _y(height_u, b.u_top), b.height * U_HEIGHT
    x, w = GUTTER, WIDTH - GUTTER - PAD
    state = label(SLOT_LABELS[b.state], lang)
    what = " · ".join(p for p in (b.holder, b.label) if p) or state
    title = f"U{b.u_bottom}–U{b.u_top} · {state} · {what}"
    parts = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="2" class="u-{b.state.value}" />']
    marks_w = 0
    if b.state == SlotState.occupied and health is not None:
        marks_w = 36
        cond = _CONDITION_BY_TEXT.get(health.condition)
        if cond is not None:
            title += f" · {label(cond, lang)}"
            parts.append(f'<circle cx="{x + w - 22}" cy="{y + h // 2}" r="5" fill="{PALETTE[cond.colour]}" '
                         f'stroke="#fff" stroke-width="1.5" class="cond" />')
        up = {True: ("up", gettext("reachable")), False: ("down", gettext("not reachable")),
              None: ("unknown", gettext("not checked yet"))}[health.up]
        title += f" · {up[1]}"
        parts.append(_arrow(x + w - 9, y + h // 2, up[0]))
    text = f"{state}: {what}" if b.state == SlotState.reserved else what
    parts.append(f'<text x="{x + 6}" y="{y + h // 2 + 4}" class="u-label u-label-{b.state.value}">'
                 f'{escape(_fit(text, w - 12 - marks_w))}</text>')
    group = (f'<g data-rack="{escape(rack)}" data-u="{b.u_bottom}" data-state="{b.state.value}">'
             f'<title>{escape(title)}</title>{"".join(parts)}</g>')
    if link is None or b.server_id is None:
        return group
    return f'<a href="{escape(link(b.server_id))}" class="u-server" data-server="{b.server_id}">{group}</a>'


def _arrow(cx: int, cy: int, kind: str) -> str:
    if kind == "up":
        return f'<path d="M{cx - 5} {cy + 4} L{cx} {cy - 5} L{cx + 5} {cy + 4} Z" class="mark-up" />'
    if kind == "down":
        return f'<path d="M{cx - 5} {cy - 4} L{cx} {cy + 5} L{cx + 5} {cy - 4} Z" class="mark-down" />'
    return f'<circle cx="{cx}" cy="{cy}" r="4" class="mark-unknown" />'


def render(rack: str, height_u: int, units: Sequence[UnitLike], *, lang: str = "id",
           gettext: Callable[[str], str] = lambda s: s, health: Mapping[int, Health] | None = None,
           pick: Pick | None = None, link: Callable[[int], str] | None = None) -> Markup:
    """The whole rack, highest U at the top (as it is mounted and numbered); with `link`, each
    server's block links to `link(server_id)` (its page)."""
    health = health or {}
    total_h = PAD * 2 + height_u * U_HEIGHT
    name = gettext("Rack %(name)s") % {"name": rack}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="rack" viewBox="0 0 {WIDTH} {total_h}" '
           f'width="{WIDTH}" height="{total_h}" role="img" '
           f'aria-label="{escape(name)}">',
           f'<rect x="{GUTTER - 3}" y="{PAD - 3}" width="{WIDTH - GUTTER - PAD + 6}" '
           f'height="{height_u * U_HEIGHT + 6}" rx="3" class="rack-frame" />']
    for u in range(1, height_u + 1):
        out.append(f'<text x="{GUTTER - 7}" y="{_y(height_u, u) + 13}" text-anchor="end" class="u-num">'
                   f'{u}</text>')
    for b in blocks(units):
        if b.state == SlotState.free:
            out.append(_free(rack, b, height_u, pick, gettext))
        else:
            out.append(_held(rack, b, height_u, lang, health.get(b.server_id) if b.server_id else None,
                             gettext, link))
    out.append("</svg>")
    return Markup("".join(out))
