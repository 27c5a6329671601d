"""The e2e suites use the session dev host defined in tests/conftest.py."""
