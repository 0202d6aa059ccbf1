"""The Streamlit dashboard: it explains every tier and every pairing to the people who review
and correct the plan.

:mod:`dashboard.data` is the one data-access layer (scope and roles enforced there, runs read
once per process); pages lay out widgets and call it. This package is the only one that
imports Streamlit.
"""
