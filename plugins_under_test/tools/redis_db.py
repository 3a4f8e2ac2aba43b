"""A disposable Redis for certifying database plugins: a free loopback port, fresh users, a sure stop.

Certifying a database plugin changes the database: users come and go, and
rotate-root changes the connection user's password. So each certification gets
a Redis of its own:

    python plugins_under_test/tools/redis_db.py vault-conformance certify \\
        --manifest plugins_under_test/manifests/reference-database.toml

runs the command with VPC_REDIS_HOST, VPC_REDIS_PORT, VPC_REDIS_ROOT_PASSWORD
(user vpc-root: what the plugin connects as), VPC_REDIS_OBSERVER_PASSWORD
(user vpc-observer: what the suite uses to look at users) and
VPC_REDIS_STATIC_PASSWORD (user vpc-static: a static role's user) set, then
stops Redis and removes its folder, also on Ctrl-C. The tests use
disposable_redis() the same way. Passwords are random per start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

START_BOUND_S = 10.0
STOP_BOUND_S = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int, user: str, password: str) -> bool:
    """PING as the given user over the Redis protocol (RESP): +PONG means it is up and the users are in."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(f"AUTH {user} {password}\r\nPING\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
            return reply.startswith(b"+OK\r\n+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def disposable_redis():
    """A started Redis; yields the VPC_REDIS_* variables; stops it and removes its folder whatever happens."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="vpc-redis-"))
    env = {
        "VPC_REDIS_HOST": "127.0.0.1",
        "VPC_REDIS_PORT": str(_free_port()),
        "VPC_REDIS_ROOT_PASSWORD": secrets.token_hex(16),
        "VPC_REDIS_OBSERVER_PASSWORD": secrets.token_hex(16),
        "VPC_REDIS_STATIC_PASSWORD": secrets.token_hex(16),
    }
    config = folder / "redis.conf"
    config.write_text(
        f"port {env['VPC_REDIS_PORT']}\nbind 127.0.0.1\nprotected-mode yes\nsave \"\"\nappendonly no\n"
        f"dir {folder}\nlogfile {folder / 'redis.log'}\n"
        "user default off\n"  # nobody gets in without a user of the certification's own
        f"user vpc-root on >{env['VPC_REDIS_ROOT_PASSWORD']} ~* &* +@all\n"
        f"user vpc-observer on >{env['VPC_REDIS_OBSERVER_PASSWORD']} ~* &* +@all\n"
        f"user vpc-static on >{env['VPC_REDIS_STATIC_PASSWORD']} ~* +@read\n")
    config.chmod(0o600)
    process = subprocess.Popen([server, str(config)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + START_BOUND_S
        while not _answers(int(env["VPC_REDIS_PORT"]), "vpc-observer", env["VPC_REDIS_OBSERVER_PASSWORD"]):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "redis.log").read_text(errors="replace")[-500:] if (folder / "redis.log").exists() else ""
                raise RuntimeError(f"redis-server did not start within {START_BOUND_S:.0f} s: {log}")
            time.sleep(0.05)
        yield env
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_BOUND_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_BOUND_S)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    with disposable_redis() as env:
        child = subprocess.Popen(argv, env={**os.environ, **env})
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)  # let the command clean up after itself first
            try:
                return child.wait(timeout=60)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                child.kill()
                return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
