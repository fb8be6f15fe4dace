"""Counters and a histogram, rendered in Prometheus' text exposition format (version 0.0.4).

Small on purpose (no prometheus_client dependency): what /metrics shows is listed here, in one
place. One registry per process, as with prometheus_client: a bot process runs one bot.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from typing import TypeVar

# Seconds; Telegram users notice from about half a second.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _label_text(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    if not names:
        return ""
    pairs = (f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))
    return "{" + ",".join(pairs) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Counter:
    """A monotonically increasing count per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self._values: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def inc(self, *values: str, amount: float = 1) -> None:
        """Add `amount` to the count of this label set."""
        with self._lock:
            self._values[values] = self._values.get(values, 0) + amount

    def value(self, *values: str) -> float:
        """The count of one label set (0 when never counted)."""
        return self._values.get(values, 0)

    def samples(self) -> Iterable[str]:
        """The exposition lines of the samples."""
        for values, count in sorted(self._values.items()):
            yield f"{self.name}{_label_text(self.labels, values)} {_number(count)}"


class Histogram:
    """Observations counted into cumulative buckets, with their sum and count."""

    kind = "histogram"

    def __init__(
        self, name: str, help_text: str, buckets: tuple[float, ...] = LATENCY_BUCKETS
    ) -> None:
        self.name, self.help, self.buckets = name, help_text, (*buckets, math.inf)
        self._counts = [0] * len(self.buckets)
        self._sum = 0.0
        self._lock = threading.Lock()

    def observe(self, value: float) -> None:
        """Count one observation."""
        with self._lock:
            self._sum += value
            for i, bound in enumerate(self.buckets):
                if value <= bound:
                    self._counts[i] += 1
                    break

    @property
    def count(self) -> int:
        """How many observations."""
        return sum(self._counts)

    def samples(self) -> Iterable[str]:
        """The exposition lines: cumulative buckets, sum, count."""
        running = 0
        for bound, count in zip(self.buckets, self._counts, strict=True):
            running += count
            yield f'{self.name}_bucket{{le="{_number(bound)}"}} {running}'
        yield f"{self.name}_sum {_number(self._sum)}"
        yield f"{self.name}_count {running}"


class Gauge:
    """A value per label set that is read, whole, when scraped (it may go down)."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, labels: tuple[str, ...] = ()) -> None:
        self.name, self.help, self.labels = name, help_text, labels
        self._values: dict[tuple[str, ...], float] = {}

    def replace(self, values: Mapping[tuple[str, ...], float]) -> None:
        """Every sample at once: one reading replaces the last (nothing stale stays)."""
        self._values = dict(values)

    def clear(self) -> None:
        """No samples until the next reading: an unknown value is left out, not shown old."""
        self._values = {}

    def value(self, *values: str) -> float | None:
        """The last reading of one label set (None when it has none)."""
        return self._values.get(values)

    def samples(self) -> Iterable[str]:
        """The exposition lines of the samples."""
        for values, value in sorted(self._values.items()):
            yield f"{self.name}{_label_text(self.labels, values)} {_number(value)}"


Metric = Counter | Histogram | Gauge
M = TypeVar("M", Counter, Histogram, Gauge)


class Registry:
    """The metrics of one process, in the order they are shown."""

    def __init__(self) -> None:
        self.metrics: list[Metric] = []

    def add(self, metric: M) -> M:
        """Register a metric; returns it."""
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        """Everything, in Prometheus' text format."""
        lines: list[str] = []
        for metric in self.metrics:
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.samples())
        return "\n".join(lines) + "\n"


REGISTRY = Registry()
UPDATES = REGISTRY.add(
    Counter(
        "iuc_bot_updates_total",
        "Telegram updates handled, by handler and outcome (ok, error, flood, unhandled).",
        ("handler", "outcome"),
    )
)
LATENCY = REGISTRY.add(
    Histogram("iuc_bot_update_latency_seconds", "Time from an update's arrival to its end.")
)
QUESTIONS = REGISTRY.add(
    Counter(
        "iuc_bot_questions_total",
        "Questions asked, by outcome (answered, suggested, unknown).",
        ("outcome",),
    )
)
# Outbox (broadcasts): how many messages are in each state, counted in the database when
# /metrics is scraped (bot/observe/gauges.py), not counted by this process as it sends. Several
# processes share one outbox: each would count only what it sent itself, and lose its counts
# when restarted, while the table holds the truth for all of them, with one grouped query.
# A gauge, not a counter: rows go away (erasure deletes a person's), and so the numbers can fall.
OUTBOX = REGISTRY.add(
    Gauge(
        "iuc_bot_outbox_messages",
        "Broadcast messages in the outbox by state (queued, sending, sent, blocked, failed, "
        "cancelled, unknown), read from the database at scrape time.",
        ("state",),
    )
)
