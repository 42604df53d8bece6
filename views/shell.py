"""Page frame: title, sidebar (language, page choice, dataset) and dispatch to a page."""

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


@st.cache_resource
def _clean_up_after_earlier_servers() -> int:
    """Once per server process: remove upload folders a killed server left behind."""
    return len(uploads.remove_stale_folders())


def run() -> None:
    """Draw the app for this session."""
    st.set_page_config(page_title="fleetplan", layout="wide")
    _clean_up_after_earlier_servers()
    state.init()
    with st.sidebar:
        st.radio(t("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
        # Labels bound now (not looked up later): the format function must not depend on
        # when it is called, or the widget's options and value could disagree.
        labels = {key: t(name) for key, (name, _) in PAGES.items()}
        page = st.radio(t("Page"), list(PAGES), format_func=labels.__getitem__, key="page")
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
        st.error(t("Something went wrong ({kind}): {message}. Try a simpler scenario or a longer time limit.", kind=type(error).__name__, message=str(error)[:300]))
