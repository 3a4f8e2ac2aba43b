"""`python -m conformance` and the `vault-conformance` script.

Ctrl-C or SIGTERM while the command is still loading (under load, imports take
a while) ends it quietly with exit 130: nothing has started yet, so there is
nothing to stop; the command installs its own handlers once it is loaded.
"""

import os
import signal
import sys


def _while_loading(signum, frame):
    sys.stderr.write("vault-conformance: interrupted while starting; nothing had started\n")
    os._exit(130)


def run() -> int:
    signal.signal(signal.SIGINT, _while_loading)
    signal.signal(signal.SIGTERM, _while_loading)
    from conformance.cli import main

    code = main()
    if code == 130:  # interrupted, everything stopped: end now, so a late second Ctrl-C cannot meet the
        sys.stdout.flush()  # interpreter's finalisation (handlers reset to the default: death by signal)
        sys.stderr.flush()
        os._exit(130)
    return code


if __name__ == "__main__":
    raise SystemExit(run())
