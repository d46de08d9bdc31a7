"""HTTP routes, one module per resource; each module's `router` is included by coachwire.api.app.create_app."""
