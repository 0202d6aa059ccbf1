"""The dashboard's pages, one thin module each: they lay out widgets and call
:mod:`dashboard.data` through :func:`dashboard.auth.page_context`."""
