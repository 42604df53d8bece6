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
from fleetplan.views.i18n import LANGUAGES, t

PAGES: dict[str, Callable[[], None]] = {
    "page_plan": plan_page.render,
    "page_scenario": editor.render,
    "page_official": official_page.render,
    "page_compare": compare.render,
    "page_depot": depot.render,
    "page_export": exports.render,
    "page_calibration": calibration_page.render,
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
        st.radio(t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
        # Labels bound now (not looked up later): the format function must not depend on
        # when it is called, or the widget's options and value could disagree.
        labels = {key: t(key) for key in PAGES}
        page = st.radio(t("page"), list(PAGES), format_func=labels.__getitem__, key="page")
        if st.session_state.get("user_dataset"):
            source = t("dataset_user")
        elif state.default_dataset_path() != state.DEFAULT_DATASET:
            source = f"`{state.default_dataset_path().name}`"
        else:
            source = t("dataset_default")
        st.caption(f"{t('dataset')}: {source}")
    st.title(t("app_title"))
    try:
        PAGES[page]()
    except Exception as error:
        # Last line of defence: a short message instead of a traceback.
        st.error(t("unexpected_error", kind=type(error).__name__, message=str(error)[:300]))
