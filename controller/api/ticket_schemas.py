"""The helpdesk's answers (tickets, comments, files, the catalogue), as the API describes them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..domain.ticket_flow import Category, Priority, TicketState
from .answers.common import Timestamp


class NamedOut(BaseModel):
    id: int
    code: str
    name: str


class TicketStepOut(BaseModel):
    action: str
    actor: str
    role: str
    from_: str | None = Field(default=None, alias="from")
    to: str
    time: Timestamp
    note: str | None = None


class CommentOut(BaseModel):
    id: int
    author: str
    role: str
    body: str
    at: Timestamp


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    at: Timestamp
    url: str


class TicketOut(BaseModel):
    id: int
    state: TicketState
    subject: str
    description: str
    server_id: int | None
    request_id: int | None
    officer: str | None
    division: NamedOut | None
    service: NamedOut | None
    category: Category | None
    priority: Priority
    resolution: str | None
    close_reason: str | None
    findings: list[dict[str, Any]] | None
    created_by: str
    created_at: Timestamp
    due_at: Timestamp | None
    overdue: bool
    allowed_actions: list[str]
    involved: bool
    history: list[TicketStepOut] | None = None
    comments: list[CommentOut] | None = None
    attachments: list[AttachmentOut] | None = None


class MemberOut(BaseModel):
    username: str
    full_name: str
    role: str


class DivisionOut(BaseModel):
    id: int
    code: str
    name: str
    is_active: bool
    members: list[MemberOut]


class ServiceOut(BaseModel):
    id: int
    code: str
    name: str
    description: str | None
    category: Category
    priority: Priority
    division: str
    division_name: str
    is_active: bool
