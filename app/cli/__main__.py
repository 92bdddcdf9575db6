"""``python -m app.cli``: the ``convscope`` command."""

from .main import main

raise SystemExit(main())
