"""Offline checks of infra/ (Bicep, checkov) and of the identity-based wiring it relies on."""
