"""Titip controller: custody records, racks, workflows and the API."""

__version__ = "0.1.0"
