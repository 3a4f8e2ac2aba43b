"""Checks: small named functions, registered with @check and referenced by the catalog.

Each takes the CertifySession and an Evidence recorder; it returns a short
message on success, raises CheckFailed (via expect) when the plugin breaks the
requirement, or Skip when the requirement cannot be reached.
"""
