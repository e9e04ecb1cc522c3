"""All tables, imported here so metadata is complete for Alembic and the app."""

from .assets import AssetRecord, DisposalCase, LifecycleStep, MaintenanceCase, MaintenancePart, TransferCase  # noqa: F401
from .audit import AuditEvent, AuditHead
from .base import Base
from .custody import AccessCheck, CustodyRequest, CustodyStep, Document, Notification, Signature
from .evidence import InventoryDecision, SignedInventoryForm
from .inventory import CollectionTarget, InventoryItem, InventoryRun
from .monitoring import Agent, AgentReport, EnrollmentToken, Finding, ServerStatus
from .numbering import DocumentCounter
from .org import Unit, User
from .planning import AssetIssue, NeedsItem, NeedsPlan, ProcedureStep, ProcuredAsset, Procurement  # noqa: F401
from .security import LoginThrottle
from .space import Allocation, Rack, RackUnit, Room, Server
from .tickets import Division, DivisionMember, ServiceItem, Ticket, TicketAttachment, TicketComment, TicketStep

__all__ = [
    "AuditEvent", "AuditHead", "Base", "Unit", "User", "LoginThrottle",
    "Allocation", "Rack", "RackUnit", "Room", "Server",
    "CollectionTarget", "InventoryItem", "InventoryRun", "InventoryDecision", "SignedInventoryForm",
    "Ticket", "TicketStep", "TicketComment", "TicketAttachment", "Division", "DivisionMember", "ServiceItem",
    "Agent", "AgentReport", "EnrollmentToken", "Finding", "ServerStatus",
    "AccessCheck", "CustodyRequest", "CustodyStep", "Document", "Notification", "Signature",
    "DocumentCounter",
]
