"""Use cases and the ports they need: catalogue, request process, submit, decide, queries,
notifications, retention, cursors and email rendering. No Azure types: adapters are
injected by `shared.bootstrap`."""
