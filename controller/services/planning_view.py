"""Needs plans, procurements and issues as the API answers them and the pages show them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.planning_flow import Decision
from ..models import Document, Server, Unit, User
from ..models.planning import AssetIssue, NeedsItem, NeedsPlan, Procurement
from ..settings import Settings
from . import asset_issues, needs_plans, procedure_cases as cases, procurement_report, procurements


def _case(session: Session, settings: Settings, user: User, spec: cases.Spec, case: Any) -> dict[str, Any]:
    label = spec.labels[case.state]
    return {"id": case.id, "state": case.state, "state_since": case.state_since,
            "state_label": {"id": label.id, "en": label.en, "colour": label.colour},
            "allowed_actions": spec.flow.allowed_actions(case.state, user.role),
            "next_steps": cases.next_steps(spec, case.state), "history": cases.history(session, spec, case.id),
            "created_by": case.created_by, "created_at": case.created_at, **cases.timing(settings, spec, case)}


def item_total(item: NeedsItem) -> Decimal:
    return Decimal(item.quantity) * item.unit_price


def plan_view(session: Session, settings: Settings, user: User, plan: NeedsPlan) -> dict[str, Any]:
    items = needs_plans.items_of(session, plan.id)
    out = _case(session, settings, user, needs_plans.SPEC, plan)
    out.update({k: getattr(plan, k) for k in (
        "budget_year", "letter_number", "letter_date", "title", "findings", "decision_number", "decided_by",
        "rkpd_reference", "finance_letter_number", "simbada_reference", "reject_reason")})
    out.update(unit_code=plan.unit.code, unit_name=plan.unit.name,
               items=[{"id": i.id, "line_no": i.line_no, "kind": i.kind, "description": i.description,
                       "quantity": i.quantity, "uom": i.uom, "unit_price": i.unit_price, "total": item_total(i),
                       "justification": i.justification, "recommended": i.recommended, "assessment": i.assessment,
                       "decision": i.decision, "decision_note": i.decision_note,
                       "procured_quantity": procurements.procured_quantity(session, i.id)} for i in items],
               total_proposed=sum((item_total(i) for i in items), Decimal("0")),
               total_approved=sum((item_total(i) for i in items if i.decision == Decision.approved), Decimal("0")))
    return out


def _asset(server: Server) -> dict[str, Any]:
    return {"server_id": server.id, "kind": getattr(server, "kind", "server"), "brand": server.brand,
            "model": server.model, "serial_number": server.serial_number, "unit_code": server.unit.code}


def procurement_view(session: Session, settings: Settings, user: User, p: Procurement) -> dict[str, Any]:
    out = _case(session, settings, user, procurements.SPEC, p)
    item = session.get_one(NeedsItem, p.item_id)
    out.update({k: getattr(p, k) for k in (
        "plan_id", "item_id", "method", "vendor", "contract_number", "contract_date", "contract_value", "quantity",
        "received_on", "receipt_number", "report", "reject_reason")})
    report = procurement_report.document_of(session, p)
    out.update(item_description=item.description, unit_code=session.get_one(Unit, p.unit_id).code,
               assets=[_asset(s) for s in procurements.assets_of(session, p.id)],
               report_number=report.number if report else None,
               documents=[{"id": d.id, "kind": d.kind, "number": d.number, "filename": d.filename,
                           "sha256": d.sha256, "url": f"/api/v1/documents/{d.id}"} for d in (report,) if d])
    return out


def issue_view(session: Session, settings: Settings, user: User, case: AssetIssue) -> dict[str, Any]:
    """An issue with its assets (the BAST's lines) and signatures; ``server_id``, ``asset`` and
    ``from_unit_code`` name the first asset, as the answer did before batches."""
    out = _case(session, settings, user, asset_issues.SPEC, case)
    out.update({k: getattr(case, k) for k in (
        "recipient_name", "recipient_nip", "purpose", "bast_number", "installed_on", "report")})
    units = {u.id: u.code for u in session.scalars(select(Unit).where(
        Unit.id.in_({i.from_unit_id for i in case.items} | {case.unit_id})))}
    assets = [{**_asset(i.server), "line_no": i.line_no, "from_unit_code": units[i.from_unit_id]}
              for i in case.items]
    ids = [i for i in (case.document_id, case.report_document_id) if i]
    out.update(server_id=assets[0]["server_id"], asset=assets[0], assets=assets, unit_code=units[case.unit_id],
               from_unit_code=assets[0]["from_unit_code"],
               signatures=[{"side": s.side, "username": s.username, "role": s.role, "name": s.name, "nip": s.nip,
                            "position": s.position, "signed_at": s.signed_at}
                           for s in asset_issues.signatures_of(session, case.id)],
               documents=[{"id": d.id, "kind": d.kind, "filename": d.filename, "sha256": d.sha256,
                           "url": f"/api/v1/documents/{d.id}"}
                          for d in session.scalars(select(Document).where(Document.id.in_(ids)).order_by(Document.id))])
    return out
