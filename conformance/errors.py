"""The two ways a run ends before a verdict: the user's input, or the machine."""


class UsageError(Exception):
    """Bad option, bad manifest, unusable binary: exit code 2, one line on stderr."""

    exit_code = 2


class WrongPluginType(UsageError):
    """The plugin reports another plugin type than the one the run was given: the user's --type (or manifest
    plugin.type) is wrong, or the plugin's Type() is. Raised by a check; the runner lets it end the run."""


class InfrastructureError(Exception):
    """The server or Docker could not start, a port is busy: exit code 3."""

    exit_code = 3
