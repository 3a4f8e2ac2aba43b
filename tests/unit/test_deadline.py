"""The certification's deadline (conformance/runtime/deadline.py), on a clock of the test's own; and the deadline
as the recorded --deadline 1 run met it."""

from __future__ import annotations

import dataclasses
import time

import pytest

import conformance.runtime.deadline as deadline_module
from conformance.runtime.deadline import GRACE_S, Deadline, DeadlinePassed
from unit_samples import DEADLINE, RUNS, sample


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """time.monotonic as the deadline module sees it, moved by hand."""
    fake = Clock()
    monkeypatch.setattr(deadline_module, "time", fake)
    return fake


def test_remaining_counts_down_from_the_start(clock):
    deadline = Deadline(started=clock.now, seconds=10.0)
    assert deadline.remaining() == 10.0
    clock.now += 3.5
    assert deadline.remaining() == 6.5
    clock.now += 10
    assert deadline.remaining() == -3.5


def test_it_passes_after_its_seconds_not_at_them(clock):
    deadline = Deadline(started=clock.now, seconds=5.0)
    clock.now += 4.999
    assert not deadline.passed()
    clock.now = deadline.started + 5.0
    assert not deadline.passed()
    clock.now += 0.001
    assert deadline.passed()


def test_a_deadline_started_earlier_counts_from_its_start(clock):
    deadline = Deadline(started=clock.now - 8.0, seconds=10.0)
    assert deadline.remaining() == 2.0


def test_bound_leaves_a_short_timeout_alone(clock):
    deadline = Deadline(started=clock.now, seconds=60.0)
    assert deadline.bound(5.0) == 5.0


def test_bound_cuts_a_timeout_to_the_deadline_plus_the_grace(clock):
    deadline = Deadline(started=clock.now, seconds=60.0)
    clock.now += 58.0
    assert GRACE_S == 1.0
    assert deadline.bound(30.0) == pytest.approx(2.0 + GRACE_S)
    clock.now = deadline.started + 60.0
    assert deadline.bound(30.0) == pytest.approx(GRACE_S)  # a request at the very deadline gets the grace


@pytest.mark.parametrize("seconds, shown", [(1.0, "1 s"), (2.5, "2.5 s"), (900.0, "900 s")])
def test_bound_after_the_deadline_raises_saying_which(clock, seconds, shown):
    deadline = Deadline(started=clock.now, seconds=seconds)
    clock.now += seconds + 0.01
    with pytest.raises(DeadlinePassed) as raised:
        deadline.bound(5.0)
    assert str(raised.value) == f"the certification's deadline ({shown}, --deadline) had passed"


def test_deadline_passed_gets_through_a_checks_except_exception(clock):
    deadline = Deadline(started=clock.now - 2.0, seconds=1.0)
    assert issubclass(DeadlinePassed, BaseException) and not issubclass(DeadlinePassed, Exception)
    with pytest.raises(DeadlinePassed):
        try:
            deadline.bound(1.0)
        except Exception:  # what a best-effort step of a check does
            pytest.fail("a check's except Exception took the deadline for the plugin's answer")


def test_a_deadline_cannot_be_moved():
    deadline = Deadline(started=time.monotonic(), seconds=10.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.seconds = 1e9


def test_on_the_real_clock():
    deadline = Deadline(started=time.monotonic(), seconds=60.0)
    assert 59.0 < deadline.remaining() <= 60.0 and not deadline.passed()
    assert Deadline(started=time.monotonic() - 61.0, seconds=60.0).passed()


def test_the_recorded_deadline_run_ended_every_unfinished_check_as_an_error():
    document = sample(DEADLINE)
    errors = [r for r in document["results"] if r["outcome"] == "error"]
    assert errors and RUNS[DEADLINE]["exit_code"] == 3
    for r in errors:
        assert r["message"] in (f"{r['id']}: not run: the certification's deadline (1 s, --deadline) had passed",
                                f"{r['id']}: cut short: the certification's deadline (1 s, --deadline) had passed")
    assert all(r["duration_s"] == 0 for r in errors if ": not run:" in r["message"])
    # what depended on a requirement the deadline stopped is skipped, naming it
    depending = [r for r in document["results"] if r["outcome"] == "skipped" and "which errored" in r["message"]]
    assert depending and all(r["message"].startswith("not run: depends on ") for r in depending)
    assert {r["skip_kind"] for r in depending} == {"blocked"}
