"""The read API: routes, views and the authorisation policy."""
