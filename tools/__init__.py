"""Developer command-line tools (not deployed)."""
