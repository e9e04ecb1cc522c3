"""Scans of letters from offices outside (the Bupati's decree, the Sekda's approval, BPKAD's
letter): uploaded first, then named by the move recorded on that office's behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from ...domain.on_behalf import SCAN_FIELD
from ...services import on_behalf
from ..deps import SessionDep, StaffUser
from ..unit_of_work import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/letter-scans", tags=["documents"])


class LetterScanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description=f"name it as `{SCAN_FIELD}` in the move recorded on the outside office's behalf")
    filename: str
    content_type: str
    size: int
    sha256: str


@router.post("", status_code=201, response_model=LetterScanOut)
async def upload(db: SessionDep, user: StaffUser, scan_file: Annotated[UploadFile, File()]) -> LetterScanOut:
    """Upload the scan of an outside office's letter (PDF, PNG or JPEG, up to 10 MB)."""
    content = await scan_file.read(on_behalf.MAX_SCAN_BYTES + 1)
    doc = on_behalf.store_scan(db, user, scan_file.filename or "surat", content)
    out = LetterScanOut.model_validate(doc)
    return out
