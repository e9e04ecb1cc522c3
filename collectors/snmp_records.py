"""Which SNMP objects the collector asks for, and how they become the shared records.

Numeric OIDs only (Debian ships no MIB files). Only the columns the records need
are fetched: the walker asks for exactly `SCALARS` and `COLUMNS`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from collectors.record import (
    ConditionRecord,
    CpuInfo,
    CpuLoad,
    Disk,
    DmiInfo,
    Fan,
    Filesystem,
    FilesystemUse,
    InventoryRecord,
    MemoryUse,
    Nic,
    NicCondition,
    OsInfo,
    Temperature,
)
from collectors.snmp_kind import classify
from collectors.snmp_wire import Oid


def _oid(text: str) -> Oid:
    return tuple(int(part) for part in text.split("."))


# SNMPv2-MIB system group, HOST-RESOURCES-MIB scalars, IF-MIB ifNumber (fetched with GETNEXT).
SCALARS = {name: _oid(f"1.3.6.1.2.1.{suffix}") for name, suffix in {
    "descr": "1.1", "object_id": "1.2", "uptime": "1.3", "contact": "1.4", "name": "1.5",
    "location": "1.6", "hr_uptime": "25.1.1", "memory_kb": "25.2.2", "if_number": "2.1",
    # What kind of device answers (snmp_kind): UPS-MIB upsIdentManufacturer, BRIDGE-MIB dot1dBaseNumPorts.
    "ups_manufacturer": "33.1.1.1", "bridge_ports": "17.1.2",
    # UPS-MIB upsConfigOutputVA: a UPS's rating in VA.
    "ups_va": "33.1.9.5"}.items()}

_TABLES = {
    "if": ("1.3.6.1.2.1.2.2.1", {"descr": 2, "type": 3, "speed": 5, "mac": 6, "oper": 8,
                                 "in_discards": 13, "in_errors": 14, "out_discards": 19, "out_errors": 20}),
    "ifx": ("1.3.6.1.2.1.31.1.1.1", {"name": 1, "in_octets": 6, "out_octets": 10, "high_speed": 15,
                                     "alias": 18}),
    "ip": ("1.3.6.1.2.1.4.20.1", {"if_index": 2, "netmask": 3}),
    "storage": ("1.3.6.1.2.1.25.2.3.1", {"type": 2, "descr": 3, "units": 4, "size": 5, "used": 6}),
    "device": ("1.3.6.1.2.1.25.3.2.1", {"type": 2, "descr": 3, "status": 5}),
    "cpu": ("1.3.6.1.2.1.25.3.3.1", {"load": 2}),
    "entity": ("1.3.6.1.2.1.47.1.1.1.1", {"descr": 2, "contained_in": 4, "class": 5, "name": 7,
                                          "hardware_rev": 8, "firmware_rev": 9, "software_rev": 10,
                                          "serial": 11, "vendor": 12, "model": 13}),
    "sensor": ("1.3.6.1.2.1.99.1.1.1", {"type": 1, "scale": 2, "precision": 3, "value": 4, "status": 5}),
}
COLUMNS: dict[tuple[str, str], Oid] = {(table, col): _oid(f"{base}.{number}")
                                       for table, (base, cols) in _TABLES.items()
                                       for col, number in cols.items()}

HR_STORAGE_RAM, HR_STORAGE_FIXED = _oid("1.3.6.1.2.1.25.2.1.2"), _oid("1.3.6.1.2.1.25.2.1.4")
HR_STORAGE_DISKS = {HR_STORAGE_FIXED, _oid("1.3.6.1.2.1.25.2.1.10"), _oid("1.3.6.1.2.1.25.2.1.9")}
HR_DEVICE_PROCESSOR, HR_DEVICE_DISK = _oid("1.3.6.1.2.1.25.3.1.3"), _oid("1.3.6.1.2.1.25.3.1.6")
IF_LOOPBACK = 24
ENTITY_CLASSES = {1: "other", 2: "unknown", 3: "chassis", 4: "backplane", 5: "container",
                  6: "powerSupply", 7: "fan", 8: "sensor", 9: "module", 10: "port", 11: "stack", 12: "cpu"}
SENSOR_UNITS = {1: "other", 2: "unknown", 3: "voltsAC", 4: "voltsDC", 5: "amperes", 6: "watts",
                7: "hertz", 8: "celsius", 9: "percentRH", 10: "rpm", 11: "cmm", 12: "truthvalue"}
SENSOR_STATUS = {1: "ok", 2: "unavailable", 3: "nonoperational"}


@dataclass
class Entity:
    """An ENTITY-MIB physical part (chassis, module, power supply...) with its identity."""

    index: int
    cls: str
    name: str | None = None
    descr: str | None = None
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    hardware_rev: str | None = None
    firmware_rev: str | None = None
    software_rev: str | None = None


@dataclass
class Sensor:
    """An ENTITY-SENSOR-MIB reading, scaled to the unit (volts, watts, celsius...)."""

    index: int
    name: str
    unit: str
    value: float | None
    status: str


@dataclass
class DeviceFacts:
    """What SNMP tells beyond the shared records: the system group, parts, all sensors, traffic."""

    descr: str | None = None
    object_id: str | None = None
    uptime_seconds: int | None = None
    contact: str | None = None
    location: str | None = None
    entities: list[Entity] = field(default_factory=list)
    sensors: list[Sensor] = field(default_factory=list)
    octets: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # nic -> (in, out)
    kind: str | None = None   # the register's asset kind (snmp_kind.classify); None: cannot tell
    kind_fields: dict[str, Any] = field(default_factory=dict)   # what the device tells of that kind's fields

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace").strip("\x00").strip()
    return value if isinstance(value, str) and value else None


def number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def mac(value: Any) -> str | None:
    return ":".join(f"{b:02x}" for b in value) if isinstance(value, bytes) and len(value) == 6 else None


def build(address: str, scalars: dict[str, Any], tables: dict[tuple[str, str], dict[Oid, Any]]
          ) -> tuple[InventoryRecord, ConditionRecord, DeviceFacts]:
    """The three views of one walked device. Missing tables simply leave fields empty."""
    def col(table: str, name: str) -> dict[Oid, Any]:
        return tables.get((table, name), {})

    sys_name = text(scalars.get("name")) or address
    descr = text(scalars.get("descr"))
    uptime = number(scalars.get("hr_uptime")) or number(scalars.get("uptime"))
    facts = DeviceFacts(descr=descr, contact=text(scalars.get("contact")),
                        location=text(scalars.get("location")),
                        uptime_seconds=uptime // 100 if uptime is not None else None)
    if isinstance(scalars.get("object_id"), tuple):
        facts.object_id = ".".join(map(str, scalars["object_id"]))
    facts.entities = _entities(col)
    facts.sensors = _sensors(col, facts.entities)
    nics, nic_conditions = _interfaces(col, facts)
    storage = _storage(col)
    processors = [text(d) for i, d in col("device", "descr").items()
                  if col("device", "type").get(i) == HR_DEVICE_PROCESSOR]
    loads = [v for v in col("cpu", "load").values() if isinstance(v, int)]
    chassis = next((e for e in facts.entities if e.cls == "chassis"), None) or \
        next((e for e in facts.entities if e.serial or e.model), None)
    memory_kb = number(scalars.get("memory_kb"))
    facts.kind = classify(facts.object_id, descr, ups_mib=scalars.get("ups_manufacturer") is not None,
                          bridge_ports=number(scalars.get("bridge_ports")),
                          host_resources=bool(processors or memory_kb))
    facts.kind_fields = {k: v for k, v in {
        "va_rating": number(scalars.get("ups_va")), "ports": number(scalars.get("bridge_ports"))}.items() if v}
    inventory = InventoryRecord(
        source="snmp", hostname=sys_name.split(".")[0], fqdn=sys_name if "." in sys_name else None,
        os=_os(descr), cpu=CpuInfo(model=_cpu_model(processors), threads=len(processors) or None),
        dmi=DmiInfo(vendor=chassis.vendor, product=chassis.model, serial=chassis.serial,
                    bios_version=chassis.firmware_rev) if chassis else DmiInfo(),
        memory_bytes=memory_kb * 1024 if memory_kb else storage["ram_total"],
        disks=[Disk(name=text(d) or str(i[0])) for i, d in col("device", "descr").items()
               if col("device", "type").get(i) == HR_DEVICE_DISK],
        filesystems=[Filesystem(m, None, size, used) for m, size, used in storage["filesystems"]],
        nics=nics)
    condition = ConditionRecord(
        source="snmp", hostname=inventory.hostname, collected_at=inventory.collected_at,
        uptime_seconds=facts.uptime_seconds,
        cpu=CpuLoad(percent=round(sum(loads) / len(loads), 1) if loads else None),
        memory=storage["memory"],
        filesystems=[FilesystemUse(m, None, size, used, round(100 * used / size, 1) if size else None)
                     for m, size, used in storage["filesystems"]],
        # A stopped fan (nonoperational, 0 rpm) is kept: it is what the condition rules look for.
        temperatures=[Temperature(f"entity.{s.index}", s.name, s.value) for s in facts.sensors
                      if s.unit == "celsius" and s.status != "unavailable" and s.value is not None],
        fans=[Fan(f"entity.{s.index}", s.name, int(s.value)) for s in facts.sensors
              if s.unit == "rpm" and s.status != "unavailable" and s.value is not None],
        nics=nic_conditions)
    return inventory, condition, facts


def _os(descr: str | None) -> OsInfo:
    if not descr:
        return OsInfo()
    words = descr.split()
    if words[0] == "Linux" and len(words) > 2:       # net-snmp: "Linux <host> <release> #1 SMP ..."
        return OsInfo(name="Linux", kernel=words[2])
    return OsInfo(name=descr.splitlines()[0][:200])


def _cpu_model(processors: list[str | None]) -> str | None:
    model = next((p for p in processors if p), None)
    return model.split(": ", 1)[-1] if model else None  # net-snmp prefixes "GenuineIntel: "


def _entities(col: Any) -> list[Entity]:
    classes = col("entity", "class")
    parts = []
    for index, cls in sorted(classes.items()):
        values = {name: text(col("entity", name).get(index)) for name in
                  ("name", "descr", "vendor", "model", "serial", "hardware_rev", "firmware_rev", "software_rev")}
        parts.append(Entity(index=index[0], cls=ENTITY_CLASSES.get(cls, str(cls)), **values))
    return parts


def _sensors(col: Any, entities: list[Entity]) -> list[Sensor]:
    names = {e.index: e.name or e.descr for e in entities}
    sensors = []
    for index, unit in sorted(col("sensor", "type").items()):
        raw = number(col("sensor", "value").get(index))
        scale = number(col("sensor", "scale").get(index)) or 9        # 9 = units (10^0)
        precision = number(col("sensor", "precision").get(index)) or 0
        value = raw * 10.0 ** (3 * (scale - 9) - precision) if raw is not None else None
        sensors.append(Sensor(index[0], names.get(index[0]) or f"sensor {index[0]}",
                              SENSOR_UNITS.get(unit, str(unit)),
                              round(value, 3) if value is not None else None,
                              SENSOR_STATUS.get(number(col("sensor", "status").get(index)) or 1, "ok")))
    return sensors


def _interfaces(col: Any, facts: DeviceFacts) -> tuple[list[Nic], list[NicCondition]]:
    addresses: dict[int, list[str]] = {}
    for index, if_index in col("ip", "if_index").items():
        mask = col("ip", "netmask").get(index)
        prefix = bin(int.from_bytes(bytes(map(int, mask.split("."))), "big")).count("1") \
            if isinstance(mask, str) else None
        address = ".".join(map(str, index))
        addresses.setdefault(if_index, []).append(f"{address}/{prefix}" if prefix is not None else address)
    nics, conditions = [], []
    indexes = sorted(set(col("if", "descr")) | set(col("ifx", "name")))
    for index in indexes:
        if col("if", "type").get(index) == IF_LOOPBACK:
            continue
        name = text(col("ifx", "name").get(index)) or text(col("if", "descr").get(index)) or f"if{index[0]}"
        high, low = number(col("ifx", "high_speed").get(index)), number(col("if", "speed").get(index))
        speed = high or (low // 1_000_000 if low else None) or None
        oper = col("if", "oper").get(index)
        is_up = oper == 1 if isinstance(oper, int) else None
        nics.append(Nic(name, mac(col("if", "mac").get(index)), addresses.get(index[0], []), speed, is_up))
        conditions.append(NicCondition(
            name, is_up, speed, number(col("if", "in_errors").get(index)),
            number(col("if", "out_errors").get(index)), number(col("if", "in_discards").get(index)),
            number(col("if", "out_discards").get(index))))
        facts.octets[name] = (number(col("ifx", "in_octets").get(index)),
                              number(col("ifx", "out_octets").get(index)))
    return nics, conditions


def _storage(col: Any) -> dict[str, Any]:
    filesystems, memory, ram_total = [], MemoryUse(), None
    for index, kind in sorted(col("storage", "type").items()):
        units = number(col("storage", "units").get(index)) or 1
        size, used = number(col("storage", "size").get(index)), number(col("storage", "used").get(index))
        size_b = size * units if size is not None else None
        used_b = used * units if used is not None else None
        if kind == HR_STORAGE_RAM and size_b:
            ram_total = size_b
            memory = MemoryUse(total_bytes=size_b, used_percent=round(100 * (used_b or 0) / size_b, 1))
        elif kind in HR_STORAGE_DISKS and size_b:
            filesystems.append((text(col("storage", "descr").get(index)) or f"storage {index[0]}",
                                size_b, used_b))
    return {"filesystems": filesystems, "memory": memory, "ram_total": ram_total}
