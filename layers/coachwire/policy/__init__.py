"""The data-use policy, generated from the running configuration: `document.build(settings)` →
PolicyDocument (JSON), `render.markdown` / `render.html`. `data_classes` is the registry of what is held and for
how long, shared with the stores (TTL) and the retention sweep."""
