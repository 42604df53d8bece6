"""The Streamlit app's pages and helpers (entry point: ``app.py``)."""
