"""The default datasets (``hk/``) and example scenarios, shipped as package data."""
