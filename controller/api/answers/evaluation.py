"""The evaluation report's figures (services.evaluation) as the API returns them."""

from __future__ import annotations

from datetime import date

from .common import Answer, Timestamp


class PeriodOut(Answer):
    first: date
    last: date
    start: Timestamp
    end: Timestamp


class AssetCountOut(Answer):
    kind: str
    condition: str
    count: int


class ChangesOut(Answer):
    registered: int
    disposed: int
    transferred_in: int
    transferred_out: int


class ConditionMoveOut(Answer):
    before: str
    after: str
    count: int


class StepTimesOut(Answer):
    state: str
    label: str
    on_time: int
    overdue: int


class TicketTimesOut(Answer):
    category: str
    opened: int
    resolved: int
    median_hours: float | None
    mean_hours: float | None


class ServerDowntimeOut(Answer):
    server_id: int
    name: str
    unit_code: str
    checks: int
    failed: int
    downtime_hours: float


class MonthUse(Answer):
    month: str
    u_used: int


class RoomCapacityOut(Answer):
    room: str
    u_total: int
    u_used: int
    u_free: int
    power_budget_w: int | None
    power_used_w: int
    trend: list[MonthUse]


class EvaluationOut(Answer):
    period: PeriodOut
    unit_code: str | None
    unit_name: str | None
    generated_at: Timestamp
    assets: list[AssetCountOut]
    assets_total: int
    changes: ChangesOut
    condition_moves: list[ConditionMoveOut]
    custody: list[StepTimesOut]
    tickets: list[TicketTimesOut]
    downtime: list[ServerDowntimeOut]
    downtime_by_unit: dict[str, float]
    rooms: list[RoomCapacityOut]
