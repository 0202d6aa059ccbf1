"""Streamlit dashboard (a later issue): overview, household explainer, worker loads.

Pages will only call library functions; this package is the only one importing Streamlit.
"""
