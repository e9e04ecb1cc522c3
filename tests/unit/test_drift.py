from controller.domain.drift import compare, hardware_of, is_placeholder_serial

RECORD = {
    "dmi": {"serial": "CZJ0431AB2"},
    "cpu": {"model": "Xeon Silver 4214", "sockets": 2, "cores": 24, "threads": 48},
    "memory_bytes": 64 * 2**30,
    "disks": [{"name": "sda", "serial": "S3Z1NB0K", "size_bytes": 960e9}],
    "nics": [{"name": "eno1", "mac": "AA:BB:CC:00:00:01"}, {"name": "docker0", "mac": "02:42:ac:11:00:02"},
             {"name": "lo", "mac": "00:00:00:00:00:00"}],
}


def test_vendor_placeholders_are_missing_serials():
    for s in ("Default string", "To Be Filled By O.E.M.", "System Serial Number", "0000000000", None, " "):
        assert is_placeholder_serial(s), s
    assert not is_placeholder_serial("CZJ0431AB2")


def test_same_hardware_no_drift_and_virtual_nics_ignored():
    base = hardware_of(RECORD)
    assert base["nics"] == ["aa:bb:cc:00:00:01"]
    assert compare("CZJ0431AB2", base, RECORD) == []


def test_each_kind_of_drift_is_named():
    base = hardware_of(RECORD)
    changed = {**RECORD, "dmi": {"serial": "OTHER"}, "memory_bytes": 32 * 2**30,
               "disks": [{"name": "sda", "serial": "NEWDISK", "size_bytes": 960e9}],
               "cpu": {**RECORD["cpu"], "cores": 12}}
    fields = [d.field for d in compare("CZJ0431AB2", base, changed)]
    assert fields == ["serial_number", "cpu", "memory_bytes", "disks"]


def test_placeholder_serial_never_compared_and_small_memory_wobble_tolerated():
    base = hardware_of(RECORD)
    wobble = {**RECORD, "dmi": {"serial": "Default string"}, "memory_bytes": int(64 * 2**30 * 0.98)}
    assert compare("CZJ0431AB2", base, wobble) == []


def test_one_placeholder_list_for_the_agent_the_ssh_collector_and_drift():
    """A value the agent or the SSH collector drops is one drift also counts as missing."""
    from collectors.record import PLACEHOLDERS, is_placeholder

    for value in ("To Be Filled By O.E.M.", "System Product Name", "N/A", "  Default string "):
        assert is_placeholder(value) and is_placeholder_serial(value), value
    assert not is_placeholder("PowerEdge R740") and not is_placeholder("1.2.3")   # a short version is real
    assert is_placeholder_serial("00000000") and not is_placeholder("00000000")    # repeated: serials only
    assert "o.e.m." in PLACEHOLDERS
