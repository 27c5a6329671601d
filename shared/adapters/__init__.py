"""Adapters: the ports of `shared.app` on Azure Table Storage, Storage queues, ACS Email,
JWT verification, an HTTP transport and telemetry. Built by `shared.bootstrap` only."""
