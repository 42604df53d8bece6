import streamlit as st

st.title("fleetplan")
