"""The compliance console: a small local web application over a deployed suite.

Layers inside: ``data`` (the read interface the pages use, and the value types they show),
``suite_data`` (that interface on a deployed suite, through ``sectoken.jobs``), ``audit`` (the
audit trail read from the suite's events), ``imports`` (the registry import, the same code path
as `ape run investors import`, run in the background with progress), ``charts`` (server-side
SVG), ``security`` (access token, CSRF, listen address), ``app`` (the Flask pages) and
``server`` (serving it). Flask is imported only here: the rest of the package does not need it.
"""
