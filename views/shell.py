"""Page frame: title, sidebar (language, Streamlit's page navigation, dataset) and the page drawn."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from fleetplan.views import (
    calibration_page,
    compare,
    depot,
    editor,
    exports,
    official_page,
    plan_page,
    state,
    uploads,
)
from fleetplan.views.i18n import LANGUAGES, N_, t

#: page key -> (its name in the sidebar, its render function). Other checks find pages by these names.
PAGES: dict[str, tuple[str, Callable[[], None]]] = {
    "page_plan": (N_("Plan and map"), plan_page.render),
    "page_scenario": (N_("Scenario editor"), editor.render),
    "page_official": (N_("The official's view"), official_page.render),
    "page_compare": (N_("Compare scenarios"), compare.render),
    "page_depot": (N_("Bus depots"), depot.render),
    "page_export": (N_("Export"), exports.render),
    "page_calibration": (N_("Calibration"), calibration_page.render),
}
DEFAULT_PAGE = "page_plan"


@st.cache_resource
def _clean_up_after_earlier_servers() -> int:
    """Once per server process: remove upload folders a killed server left behind."""
    return len(uploads.remove_stale_folders())


def _navigation() -> str:
    """Streamlit's own page navigation (``st.navigation``, drawn at the top of the sidebar); the
    key of the page to draw.

    ``session_state["page"]`` names the page too, so code and tests can open one by key: a key
    set there since the last run wins (the app switches to it), otherwise the page the
    navigation chose is written back to it. Titles are translated on every run; the URL paths
    (``/scenario``, ``/official`` ...) stay the same in both languages.
    """
    pages = {
        key: st.Page(
            render, title=t(name), url_path=key.removeprefix("page_"), default=key == DEFAULT_PAGE
        )
        for key, (name, render) in PAGES.items()
    }
    current = st.navigation(list(pages.values()))
    chosen = next(key for key, page in pages.items() if page.url_path == current.url_path)
    wanted = st.session_state.get("page")
    if wanted in pages and wanted != st.session_state.get("_page_drawn") and wanted != chosen:
        st.session_state["_page_drawn"] = wanted
        st.switch_page(pages[wanted])  # reruns the script on that page
    st.session_state["page"] = st.session_state["_page_drawn"] = chosen
    return chosen


def run() -> None:
    """Draw the app for this session."""
    st.set_page_config(page_title="fleetplan", layout="wide")
    _clean_up_after_earlier_servers()
    state.init()
    if "lang" in st.session_state:
        # Written back as the session's own value, the language survives a page switch
        # (Streamlit forgets the state of a widget the switching run did not finish drawing).
        st.session_state["lang"] = st.session_state["lang"]
    with st.sidebar:
        st.radio(
            t("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True
        )
    page = _navigation()
    with st.sidebar:
        if st.session_state.get("user_dataset"):
            source = t("your uploaded data")
        elif state.default_dataset_path() != state.DEFAULT_DATASET:
            source = f"`{state.default_dataset_path().name}`"
        else:
            source = t("Hong Kong default")
        st.caption(t("Dataset") + f": {source}")
    st.title(t("fleetplan: Hong Kong zero-emission fleet planner"))
    try:
        PAGES[page][1]()
    except Exception as error:
        # Last line of defence: a short message instead of a traceback.
        st.error(
            t(
                "Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.",
                kind=type(error).__name__,
                message=str(error)[:300],
            )
        )
