"""The work behind the routes: image store, samples, pyramids, the worker pool.

Each service is an ordinary object built by :func:`app.services.container.build_services`
from the settings and kept on ``app.state``: no module-level mutable state.
"""
