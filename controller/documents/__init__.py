"""Printable custody forms: plain data in, HTML or PDF bytes out (no database, no network)."""

from controller.documents.model import HandoverDoc, Inspection, Item, Party, bast_number
from controller.documents.pdf import render_handover_pdf, render_html

__all__ = [
    "HandoverDoc",
    "Inspection",
    "Item",
    "Party",
    "bast_number",
    "render_handover_pdf",
    "render_html",
]
