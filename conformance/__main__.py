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

    try:
        code = main()
    except KeyboardInterrupt:  # one that landed after main's own handling: a second Ctrl-C in its except
        code = 130  # clause, or one re-delivered late from a finalizer (main's clean-up has run either way)
    # The run is over: a late Ctrl-C must not turn its exit code into a death by signal (an uncaught
    # KeyboardInterrupt at the top level makes Python kill itself with SIGINT: exit -2).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if code == 130:  # interrupted, everything stopped: end now, so nothing can meet the interpreter's
        sys.stdout.flush()  # finalisation with the handlers reset to the defaults
        sys.stderr.flush()
        os._exit(130)
    return code


if __name__ == "__main__":
    raise SystemExit(run())
