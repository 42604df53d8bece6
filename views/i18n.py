"""Translations: every visible label goes through :func:`t`, read from gettext catalogues.

Messages are written in English in the code (``t("Solve scenario")``); Babel extracts
them into ``views/locale/fleetplan.pot`` and a translator fills
``views/locale/zh_Hant.po`` (``python -m fleetplan.views.i18n_catalog update`` merges
new messages in). The ``.po`` is compiled in memory when first read, so a fresh clone
needs no build step. Strings defined away from their call (tables of names) are marked
with :func:`N_` so the extractor finds them.

The language is per session (``st.session_state["lang"]``), never a module global,
because Streamlit serves many sessions from one process.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import Any

import streamlit as st

LANGUAGES: dict[str, str] = {"en": "English", "zh": "繁體中文"}
#: App language code -> gettext catalogue (locale) in ``views/locale/``.
CATALOGUES: dict[str, str] = {"zh": "zh_Hant"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "fleetplan"


def N_(message: str) -> str:
    """Mark ``message`` for extraction where it is defined; translate it later with :func:`t`."""
    return message


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``, compiled from its ``.po`` once per process (English: none)."""
    locale = CATALOGUES.get(language)
    if locale is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / f"{locale}.po").open("rb") as handle:
        catalogue = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)  # a fuzzy (unchecked) entry shows English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def lang() -> str:
    """The session's language code (``en`` or ``zh``)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return (
            "en"  # outside a Streamlit session (exports built by a script, tests): English, quietly
        )
    value = st.session_state.get("lang", "en")
    return value if value in LANGUAGES else "en"


def t(message: str, /, **values: Any) -> str:
    """``message`` in the session's language, formatted with ``values`` (str.format names)."""
    text = translations(lang()).gettext(message)
    return text.format(**values) if values else text


def nt(singular: str, plural: str, n: int, /, **values: Any) -> str:
    """The singular or plural form for ``n`` (``n`` is also a format value)."""
    text = translations(lang()).ngettext(singular, plural, n)
    return text.format(n=n, **values)


def has_translation(message: str, language: str = "zh") -> bool:
    """Whether the catalogue of ``language`` says ``message`` in its own words."""
    return translations(language).gettext(message) != message or language not in CATALOGUES


def model_text(text: Any) -> str:
    """One of the model's sentences in the session's language.

    :class:`fleetplan.optimiser.messages.ModelText` carries its template key and values; the
    English template is the catalogue's message id. A plain string (older results, or a
    sentence the catalogue does not know) is shown as the model wrote it.
    """
    from fleetplan.optimiser.messages import TEMPLATES

    template = TEMPLATES.get(getattr(text, "key", None) or "")
    if template is None:
        return str(text)
    return t(template, **getattr(text, "params", {}))


def translated(text: Any) -> bool:
    """Whether :func:`model_text` can say ``text`` in every language of the app."""
    from fleetplan.optimiser.messages import TEMPLATES

    template = TEMPLATES.get(getattr(text, "key", None) or "")
    return template is not None and all(has_translation(template, code) for code in LANGUAGES)
