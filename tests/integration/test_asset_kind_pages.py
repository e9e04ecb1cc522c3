"""Asset kinds in pages: the register filters by kind, a form registers a non-server asset (its
own fields, a licence key kept sealed), and the asset's page is titled by its kind."""

from __future__ import annotations

import re

from tests.integration.test_web_pages import Browser


def test_register_a_licence_and_a_switch_in_pages_and_filter_by_kind(app, world):
    pm = Browser(app, "property_manager")
    assert 'data-new-asset' in pm.get("/assets").text
    form = pm.get("/assets/new?kind=software_licence").text
    assert 'name="seats"' in form and 'name="licence_key"' in form and 'name="height_u"' not in form
    r = pm.post("/assets/new?kind=software_licence", {
        "unit_code": "DISKES", "brand": "Microsoft", "model": "Office 2021", "serial_number": "LIC-WEB-1",
        "licence_type": "volume", "seats": "25", "expiry": "2027-06-30", "licence_key": "QWERT-SECRET-9"})
    assert r.status_code == 303, r.text
    page = pm.get(r.headers["location"]).text
    assert 'data-kind="software_licence"' in page and "Lisensi perangkat lunak" in page
    assert 'data-attr="seats">25<' in page and "QWERT-SECRET-9" not in page
    assert re.search(r"<title>Lisensi perangkat lunak: Microsoft Office 2021", page)

    r = pm.post("/assets/new?kind=network_device", {
        "unit_code": "DISKES", "brand": "Cisco", "model": "C9200", "serial_number": "SW-WEB-1", "height_u": "1",
        "device_type": "switch", "ports": "0"})
    assert r.status_code == 303 and r.headers["location"] == "/assets/new?kind=network_device"
    refused = pm.get("/assets/new?kind=network_device").text
    assert 'flash-error' in refused and "ports" in refused          # the field is named, nothing written
    assert 'data-serial="SW-WEB-1"' not in pm.get("/assets").text

    listed = pm.get("/assets?kind=software_licence").text
    assert 'data-serial="LIC-WEB-1"' in listed and 'data-serial="SN-A-001"' not in listed
    everything = pm.get("/assets").text
    assert 'data-serial="LIC-WEB-1"' in everything and 'data-serial="SN-A-001"' in everything
    assert Browser(app, "head").get("/assets/new").status_code == 403
    assert 'data-new-asset' not in Browser(app, "head").get("/assets").text
