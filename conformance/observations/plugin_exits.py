"""How the plugin's processes ended, as the server logged it.

go-plugin's client logs how every plugin process it started ended ("plugin
process exited", with the error when the status was not 0) and says "plugin
failed to exit gracefully" before it SIGKILLs one that outlived the 2 s grace
(client.go Kill). The server's log is therefore the evidence of how the
process ended, in every runtime (a container's pids are not the host's).
"""

from __future__ import annotations

from conformance.observations.process_tracker import EXITED, FORCED


def exit_lines(log: str, binary_name: str) -> list[str]:
    """The server's lines on how the plugin's processes ended: exits, and SIGKILLs after the grace."""
    return [line.strip() for line in log.splitlines()
            if FORCED.search(line) or (EXITED.search(line) and binary_name in line)]
