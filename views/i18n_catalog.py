"""The app's gettext catalogues: extract messages from the code, merge them into each ``.po``.

``python -m fleetplan.views.i18n_catalog update`` (run from the repository) rewrites
``views/locale/fleetplan.pot`` from the code and merges it into ``views/locale/zh_Hant.po``:
new messages arrive untranslated (the catalogue test then fails until a translator fills
them), messages the code no longer has are dropped. ``check`` reports what is missing.

Messages are the first argument of ``t``, ``N_`` and ``nt`` (singular and plural) in
``views/``, plus the model's sentence templates (``optimiser/messages.py``), which the app
translates by their English text.
"""

from __future__ import annotations

import contextlib
import io
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from fleetplan.views.i18n import CATALOGUES, DOMAIN, LOCALE_DIR

VIEWS_DIR = Path(__file__).resolve().parent
KEYWORDS = {"t": None, "N_": None, "nt": (1, 2)}
TEMPLATE_FILE = LOCALE_DIR / f"{DOMAIN}.pot"


def extract() -> Catalog:
    """Every message of the app, with where it comes from."""
    catalogue = Catalog(project="fleetplan", domain=DOMAIN, fuzzy=False)
    with contextlib.redirect_stderr(io.StringIO()):
        # Babel notes f-strings among a call's other arguments (the values): not messages.
        found = list(
            extract_from_dir(
                str(VIEWS_DIR),
                method_map=[("**.py", "python")],
                keywords=KEYWORDS,
                comment_tags=("NOTE:",),
                strip_comment_tags=True,
            )
        )
    for filename, lineno, message, comments, context in found:
        if isinstance(message, tuple) and any(m is None for m in message):
            continue
        catalogue.add(
            message,
            locations=[(f"views/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    from fleetplan.optimiser.messages import TEMPLATES

    for key, template in TEMPLATES.items():
        catalogue.add(
            template,
            locations=[("optimiser/messages.py", 0)],
            auto_comments=[f"model sentence '{key}'"],
        )
    return catalogue


def fields(text: str) -> set[str]:
    """The str.format placeholders of ``text`` (``{name}``, ``{seconds:.1f}`` -> name, seconds)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # not a format string (e.g. a plotly hover template); compared as text
        return {"<unparsed>"}


def read(locale: str) -> Catalog:
    with (LOCALE_DIR / f"{locale}.po").open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def _write(catalogue: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(
        buffer, catalogue, width=100, sort_output=False, ignore_obsolete=True, include_lineno=False
    )
    path.write_bytes(buffer.getvalue())


def update() -> None:
    """Write the template and merge it into every language's catalogue."""
    template = extract()
    _write(template, TEMPLATE_FILE)
    for locale in CATALOGUES.values():
        catalogue = read(locale)
        catalogue.update(template, no_fuzzy_matching=True)
        _write(catalogue, LOCALE_DIR / f"{locale}.po")


def problems(locale: str, catalogue: Catalog | None = None) -> list[str]:
    """What stops ``locale``'s catalogue (or ``catalogue``, read as that locale's) from being
    complete and in step with the code: a message missing or untranslated (or fuzzy), a
    translation whose placeholders differ from its message's, a message the code no longer has."""
    template = extract()
    catalogue = catalogue if catalogue is not None else read(locale)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    out = []
    for message in catalogue:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key not in wanted:
            out.append(f"not in the code any more: {key!r}")
            continue
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        if message.fuzzy or not all(s.strip() for s in strings):
            out.append(f"no translation: {key!r}")
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = set().union(*(fields(i) for i in ids))
        out.extend(
            f"placeholders differ: {key!r} has {sorted(expected)}, the translation {sorted(fields(text))}"
            for text in strings
            if fields(text) != expected
        )
    have = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue if m.id}
    out += [f"missing from {locale}.po: {key!r}" for key in sorted(wanted - have)]
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    found = [f"{locale}: {line}" for locale in CATALOGUES.values() for line in problems(locale)]
    print("\n".join(found) or "catalogues complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
