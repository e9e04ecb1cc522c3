"""Keeping the message catalogs in step with the code: extract, update, check.

    python -m controller.web.catalog update   # add new messages to each .po (translations kept)
    python -m controller.web.catalog check    # exit 1 if a message lacks an Indonesian translation

There is nothing to compile: `i18n.translations` reads the .po files directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGS, catalog_path

HERE = Path(__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true",
                                 "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
TRANSLATED = ("id",)  # English is the message ids themselves


def extract() -> Catalog:
    catalog = Catalog(domain=DOMAIN, project="Titip", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            HERE, METHODS, options_map=OPTIONS, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def load(lang: str) -> Catalog:
    path = catalog_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="Titip")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def update() -> None:
    template = extract()
    for lang in TRANSLATED:
        catalog = load(lang)
        catalog.update(template, no_fuzzy_matching=True)
        path = catalog_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, ignore_obsolete=True)


def missing(lang: str = "id") -> list[str]:
    """Message ids used in the code with no (or a fuzzy) translation in `lang`'s catalog."""
    catalog = load(lang)
    out = []
    for message in extract():
        if not message.id:
            continue
        have = catalog.get(message.id)
        if have is None or not have.string or have.fuzzy or (isinstance(have.string, tuple) and not all(have.string)):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        gaps = missing()
        for gap in gaps:
            print(f"untranslated: {gap!r}")
        return 1 if gaps else 0
    print(__doc__)
    return 2


assert set(TRANSLATED) <= set(LANGS)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
