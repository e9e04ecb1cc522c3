"""Metric families kept as rendered text lines, and a writer fast enough for 10,000 servers.

prometheus_client's `generate_latest` spends several µs on every sample (it sorts and escapes
the labels of each line again); a scrape of 10,000 servers has over 100,000 samples. A
`Family` keeps its samples as finished lines of the text format: the collector renders a
server's label pair once, and the lines of a heartbeat or a probe round once per new row
(`cache.py`), so writing the page is mostly joining strings. A Family is still a
prometheus_client `Metric`: its `samples` are parsed back on demand, so `generate_latest`,
the parser and any registry work with it unchanged (the tests compare both writers).

Values must be finite ints or floats (never bools): `repr` is then valid exposition text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from prometheus_client import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.samples import Sample

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_ESCAPED = re.compile(r'\\[\\n"]')
_UNESCAPE = {"\\\\": "\\", "\\n": "\n", '\\"': '"'}


def pair(name: str, value: str) -> str:
    """One rendered label pair, `name="value"`, escaped as the text format wants."""
    if "\\" in value or '"' in value or "\n" in value:
        value = value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r'\"')
    return f'{name}="{value}"'


def line(name: str, labels: str, value: float) -> str:
    """One sample line; `labels` is rendered pairs joined by commas, or empty."""
    return f"{name}{{{labels}}} {value!r}\n" if labels else f"{name} {value!r}\n"


class Family(Metric):
    """A gauge family whose samples are rendered text (`lines`: each item one or more lines)."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, documentation, "gauge")
        self.labelnames: tuple[str, ...] = tuple(labelnames)
        self.lines: list[str] = []

    def add(self, values: Sequence[str], value: float) -> None:
        """Label values in `labelnames` order (the general, slower way in)."""
        labels = ",".join(pair(n, v) for n, v in zip(self.labelnames, values))
        self.lines.append(line(self.name, labels, value))

    def put(self, labels: str, value: float) -> None:
        """Already rendered label pairs (the per-server fast path)."""
        self.lines.append(f"{self.name}{{{labels}}} {value!r}\n" if labels else f"{self.name} {value!r}\n")

    @property
    def samples(self) -> list[Sample]:
        out = []
        for text in (one for chunk in self.lines for one in chunk.splitlines()):
            name, labels, value = _LINE.match(text).groups()  # type: ignore[union-attr]
            pairs = {k: _ESCAPED.sub(lambda m: _UNESCAPE[m.group(0)], v) for k, v in _PAIR.findall(labels or "")}
            out.append(Sample(name, pairs, float(value), None, None, None))
        return out

    @samples.setter
    def samples(self, _value: list[Sample]) -> None:
        """Metric.__init__ assigns an empty list; the lines are the storage."""


class _One:
    """A registry of one metric, so generate_latest can write a family that is not a Family."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def collect(self) -> list[Metric]:
        return [self.metric]


def render(families: Iterable[Metric]) -> bytes:
    """The text exposition format (0.0.4) of `families`, in the order given."""
    out: list[str] = []
    for fam in families:
        if isinstance(fam, Family):
            doc = fam.documentation.replace("\\", r"\\").replace("\n", r"\n")
            out.append(f"# HELP {fam.name} {doc}\n# TYPE {fam.name} gauge\n")
            out.extend(fam.lines)
        else:
            out.append(generate_latest(_One(fam)).decode())
    return "".join(out).encode()
