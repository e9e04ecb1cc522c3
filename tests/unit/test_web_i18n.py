"""The pages' language: every message in the code has an Indonesian translation in the catalog."""

from __future__ import annotations

from datetime import UTC, datetime

from controller.domain.custody_flow import CUSTODY
from controller.web import catalog, labels
from controller.web.i18n import Formatter, translations


def test_every_message_is_translated_into_indonesian():
    assert catalog.missing("id") == []


def test_the_catalog_is_read_and_english_is_the_message_itself():
    assert translations("id").gettext("Log in") == "Masuk"
    assert translations("en").gettext("Log in") == "Log in"
    assert translations("xx").gettext("Log in") == "Log in"


def test_every_workflow_action_has_a_label():
    assert {t.action for t in CUSTODY.transitions} <= set(labels.ACTIONS)


def test_dates_in_the_office_time_zone():
    at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
    assert Formatter("id", "Asia/Jakarta").dt(at) == "20 Nov 2026, 09:30 WIB"
    assert Formatter("en", "Asia/Makassar").dt(at) == "20 Nov 2026, 10:30 WITA"
    assert Formatter("id", "Asia/Jakarta").date("2026-08-17") == "17 Agustus 2026"
