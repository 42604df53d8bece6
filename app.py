"""fleetplan's Streamlit app: `streamlit run app.py` (pages live in the views package)."""

from fleetplan.views.shell import run

run()
