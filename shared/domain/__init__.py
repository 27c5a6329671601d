"""The domain: models, rules, ids, errors, identity and notices.

Pure Python and pydantic only: nothing here imports Azure, JWT, HTTP clients or the
application and adapter layers, so every rule is testable as a law.
"""
