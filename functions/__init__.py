"""HTTP, queue and timer entrypoints: each parses its trigger, calls a service, maps the result."""
