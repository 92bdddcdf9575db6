"""HTTP routes: ``api`` (JSON and binary endpoints) and ``pages`` (HTML)."""
