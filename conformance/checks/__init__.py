"""Checks: small named functions, one module per requirement area (conformance/checks/<area>.py).

Each check is registered with @check("AREA-NNN") under the id of the requirement
it verifies and lives in the module of that requirement's area (catalog.AREAS);
the registry finds the modules by scanning this package. A check takes a
CheckContext (conformance/observations/context.py: what it may use of the run,
and ctx.server, the ServerActions through which it acts on the real server) and
an Evidence recorder; it returns a short message on success,
raises CheckFailed (via expect) when the plugin breaks the requirement, or Skip
when the requirement cannot be reached. What several checks share (the wire
host's run, the read-back state, the OpenAPI document, leases, logins, the
restarted server) is in conformance/observations/; a check module never imports
another check module.
"""
