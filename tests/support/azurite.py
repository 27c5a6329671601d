"""Azurite for the tests: tools.localstack's, re-exported for the tests that import it here."""

from __future__ import annotations

from tools.localstack import ACCOUNT, KEY, ROOT, Azurite, free_port, start_azurite

__all__ = ["ACCOUNT", "KEY", "ROOT", "Azurite", "free_port", "start_azurite"]
