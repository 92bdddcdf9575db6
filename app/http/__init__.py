"""HTTP concerns around the app: request-body limits and upload admission (:mod:`.limits`),
security headers (:mod:`.security`) and the allocator setting for freed memory
(:mod:`.memory`)."""
