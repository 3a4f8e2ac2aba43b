"""Observations are made once per run, whichever threads ask at the same time (the Python 3.12 race).

Up to 3.11, functools.cached_property held a lock that serialised concurrent first reads; 3.12 dropped it,
and the session's wire run, computed in a prefetch thread while a check asked for it too, launched the
plugin twice. These tests fail on 3.12 and 3.13 with cached_property and pass with conformance.observations.once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from conformance.observations.once import Memo, observation
from conformance.runtime.plugin_binary import PluginBinary
from conformance.observations.session import CertifySession, LaunchObservation

THREADS = 8


def ask_together(ask) -> list:
    """Call ask() from THREADS threads released at the same moment; their answers."""
    barrier = threading.Barrier(THREADS)
    answers: list = []

    def one() -> None:
        barrier.wait()
        answers.append(ask())

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers


def slow_counter():
    calls = []

    def observe(*_args, **_kwargs):
        calls.append(threading.get_ident())
        time.sleep(0.05)  # long enough for every thread to arrive while the first computes
        return object()
    return calls, observe


def test_memo_makes_a_value_once_for_concurrent_callers():
    memo = Memo()
    calls, observe = slow_counter()
    answers = ask_together(lambda: memo.once("wire_run", observe))
    assert len(calls) == 1
    assert len(answers) == THREADS and len({id(a) for a in answers}) == 1


def test_memo_remembers_a_failure_and_raises_it_again():
    memo = Memo()
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("the plugin never answered")

    for _ in range(3):
        with pytest.raises(RuntimeError, match="never answered"):
            memo.once("k", broken)
    assert calls == [1]
    assert memo.made("k") and memo.peek("k", "none") == "none"


def test_memo_peek_never_starts_an_observation():
    memo = Memo()
    assert memo.peek("wire_run") is None and not memo.made("wire_run")
    memo.once("wire_run", lambda: 42)
    assert memo.peek("wire_run") == 42


def test_observation_descriptor_computes_once_per_instance():
    calls, observe = slow_counter()

    class Holder:
        def __init__(self):
            self.memo = Memo()

        @observation
        def value(self):
            return observe()

    first, second = Holder(), Holder()
    answers = ask_together(lambda: first.value)
    assert len(calls) == 1 and len({id(a) for a in answers}) == 1
    assert second.value is not first.value and len(calls) == 2


def session() -> CertifySession:
    binary = PluginBinary(path=Path("/nonexistent/plugin"), sha256="0" * 64, architecture="x86_64")
    return CertifySession(binary=binary, plugin_type="secret", name="p")


@pytest.mark.parametrize("name", ["cookieless_launch", "server_env_launch"])
def test_a_session_launch_is_made_once_when_threads_ask_at_once(monkeypatch, name):
    calls = []

    def observe(self, label, env, line_timeout, probe):
        calls.append(label)
        time.sleep(0.05)
        return LaunchObservation(label, sorted(env), None, 0.0, 1, [], "")

    monkeypatch.setattr(CertifySession, "_observe", observe)
    monkeypatch.setattr(CertifySession, "_environment", lambda self, with_cookie: {})
    run = session()
    answers = ask_together(lambda: getattr(run, name))
    assert len(calls) == 1, f"{name} launched the plugin {len(calls)} times"
    assert len({id(a) for a in answers}) == 1


def test_the_wire_run_is_played_once_when_a_prefetch_and_a_check_ask_at_once(monkeypatch):
    """The race of issue 17: the prefetch thread and the main thread both asked for session.wire_run."""
    import conformance.observations.session as session_module

    played = []

    class Host:
        plugin = None
        seconds_to_handshake = 0.0

        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def stop(self):
            pass

    def play(host, plugin_type, exercise, lease, seen, on_mounted):
        played.append(threading.get_ident())
        time.sleep(0.05)
        return session_module.WireObservation()

    monkeypatch.setattr(session_module, "WireHost", Host)
    monkeypatch.setattr(session_module, "play", play)
    monkeypatch.setattr(CertifySession, "_environment", lambda self, with_cookie: {})
    monkeypatch.setattr(CertifySession, "host_certificate", None)
    run = session()
    answers = ask_together(lambda: run.wire_run)
    assert len(played) == 1, f"the wire host played the lifecycle {len(played)} times"
    assert len({id(a) for a in answers}) == 1
