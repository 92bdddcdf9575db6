"""HTTP concerns around the app: request-body limits and upload admission (:mod:`.limits`),
security headers (:mod:`.security`), gzip of small text answers (:mod:`.compression`) and the
allocator setting for freed memory (:mod:`.memory`)."""
