"""Telling a device's asset kind from what its SNMP agent says (no network)."""

from __future__ import annotations

import pytest

from collectors.snmp_kind import classify, enterprise
from controller.domain.asset_kinds import AssetKind


def test_the_collector_speaks_the_register_kinds() -> None:
    for kind in ("server", "network_device", "ups_pdu"):
        assert AssetKind(kind)


@pytest.mark.parametrize("args,kw,kind", [
    (("1.3.6.1.4.1.8072.3.2.10", "Linux db 6.1"), {"ups_mib": True}, "ups_pdu"),        # UPS-MIB wins
    (("1.3.6.1.4.1.8072.3.2.10", "Linux rtr"), {"bridge_ports": 8}, "network_device"),  # so does a bridge
    (("1.3.6.1.4.1.318.1.3.27", "APC Web/SNMP Management Card"), {}, "ups_pdu"),
    (("1.3.6.1.4.1.9.1.1208", "Cisco IOS Software"), {}, "network_device"),
    (("1.3.6.1.4.1.8072.3.2.10", "Linux srv 6.1"), {}, "server"),
    (("1.3.6.1.4.1.99999.1", "Some PDU 16 outlets"), {}, "ups_pdu"),
    (("1.3.6.1.4.1.99999.1", "Managed Switch"), {}, "network_device"),
    (("1.3.6.1.4.1.99999.1", "Thing"), {"host_resources": True}, "server"),
    ((None, None), {}, None),
    (("1.3.6.1.4.1.99999.1", "Thing"), {"bridge_ports": 0}, None),
])
def test_classify(args, kw, kind) -> None:
    assert classify(*args, **kw) == kind


def test_enterprise() -> None:
    assert enterprise("1.3.6.1.4.1.534.1") == 534
    assert enterprise(".1.3.6.1.4.1.9") == 9
    assert enterprise("1.3.6.1.2.1.1") is None and enterprise(None) is None
