"""The two ways a run ends before a verdict: the user's input, or the machine."""


class UsageError(Exception):
    """Bad option, bad manifest, unusable binary: exit code 2, one line on stderr."""

    exit_code = 2


class InfrastructureError(Exception):
    """The server or Docker could not start, a port is busy: exit code 3."""

    exit_code = 3
