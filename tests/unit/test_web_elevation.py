"""The rack elevation renderer: pure SVG from what services.space.elevation returns."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from controller.domain.choices import SlotState
from controller.services.space import ElevationU
from controller.web import elevation as el

SVG = "{http://www.w3.org/2000/svg}"


def rack(height: int = 10, **held: tuple) -> list[ElevationU]:
    """held: 'u3'=(state, allocation_id, unit, server_id, label)."""
    out = []
    for u in range(1, height + 1):
        spec = held.get(f"u{u}")
        if spec is None:
            out.append(ElevationU(u, SlotState.free, None, None, None, None))
        else:
            state, alloc, unit, server, label = spec
            out.append(ElevationU(u, state, alloc, unit, server, label))
    return out


OCC = (SlotState.occupied, 7, "DISKES", 70, "Dell PowerEdge R740 (SN-1)")
RES = (SlotState.reserved, 8, "BAPPEDA", None, "custody request 3")


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def groups(root: ET.Element) -> dict[int, ET.Element]:
    found = {}
    for node in root.iter():
        if node.get("data-u"):
            found[int(node.get("data-u"))] = node
    return found


def test_consecutive_units_of_one_allocation_are_one_block():
    units = rack(10, u2=OCC, u3=OCC, u5=RES, u6=RES, u7=RES)
    blocks = el.blocks(units)
    assert [(b.u_bottom, b.height, b.state) for b in blocks] == [
        (1, 1, "free"), (2, 2, "occupied"), (4, 1, "free"), (5, 3, "reserved"),
        (8, 1, "free"), (9, 1, "free"), (10, 1, "free")]
    assert blocks[1].holder == "DISKES" and blocks[1].server_id == 70


def test_two_allocations_side_by_side_stay_apart():
    other = (SlotState.occupied, 9, "BPKAD", 90, "HPE")
    assert [(b.u_bottom, b.height) for b in el.blocks(rack(4, u1=OCC, u2=OCC, u3=other))] == [
        (1, 2), (3, 1), (4, 1)]


def test_svg_is_well_formed_and_highest_u_is_on_top():
    root = parse(el.render("R01", 10, rack(10, u2=OCC, u3=OCC)))
    assert root.tag == f"{SVG}svg" and root.get("aria-label") == "Rack R01"
    numbers = {int(t.text): float(t.get("y")) for t in root.iter(f"{SVG}text") if t.get("class") == "u-num"}
    assert sorted(numbers) == list(range(1, 11)) and numbers[10] < numbers[1]
    g = groups(root)
    assert g[2].get("data-state") == "occupied" and 3 not in g  # U3 is inside the U2 block
    rect = g[2].find(f"{SVG}rect")
    assert float(rect.get("height")) == 2 * el.U_HEIGHT


def test_holder_condition_and_reachability_at_a_glance():
    health = {70: el.Health("rusak_ringan", False)}
    root = parse(el.render("R01", 10, rack(10, u2=OCC, u3=OCC, u5=RES), lang="id", health=health))
    g = groups(root)
    title = g[2].find(f"{SVG}title").text
    assert "DISKES" in title and "Terisi" in title and "Rusak Ringan" in title and "not reachable" in title
    assert g[2].find(f"{SVG}circle").get("fill") == el.PALETTE["orange"]
    assert g[2].find(f"{SVG}path").get("class") == "mark-down"
    assert "Dipesan" in g[5].find(f"{SVG}title").text and "BAPPEDA" in g[5].find(f"{SVG}title").text
    english = parse(el.render("R01", 10, rack(10, u2=OCC), lang="en", health=health))
    assert "Lightly damaged" in groups(english)[2].find(f"{SVG}title").text


def test_unknown_and_up_marks():
    up = parse(el.render("R", 4, rack(4, u1=OCC), health={70: el.Health("baik", True)}))
    assert groups(up)[1].find(f"{SVG}path").get("class") == "mark-up"
    unknown = parse(el.render("R", 4, rack(4, u1=OCC), health={70: el.Health("baik", None)}))
    assert [c.get("class") for c in groups(unknown)[1].iter(f"{SVG}circle")] == ["cond", "mark-unknown"]


def test_pick_mode_links_only_where_the_server_fits():
    units = rack(6, u3=OCC)
    fits = frozenset({1, 4, 5})  # a 2U server: U1-2, U4-5, U5-6
    pick = el.Pick(2, fits, lambda u: f"/requests/9/space/confirm?rack_id=1&u_bottom={u}")
    root = parse(el.render("R02", 6, units, pick=pick))
    links = {int(a.get("data-u")): a.get("href") for a in root.iter(f"{SVG}a")}
    assert set(links) == {1, 4, 5}
    assert links[4] == "/requests/9/space/confirm?rack_id=1&u_bottom=4"
    assert groups(root)[4].find(f"{SVG}title").text == "Choose U4–U5"
    assert groups(root)[2].tag == f"{SVG}g"  # free but too short below the server: not a link


def test_text_is_escaped_and_shortened():
    evil = (SlotState.occupied, 1, "<script>", 5, "A" * 200 + "&")
    markup = str(el.render("R&D", 2, rack(2, u1=evil)))
    parse(markup)  # still well-formed
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    label = next(t.text for t in parse(markup).iter(f"{SVG}text") if "u-label" in (t.get("class") or ""))
    assert label.endswith("…") and len(label) < 60
