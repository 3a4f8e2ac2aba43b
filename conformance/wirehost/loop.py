"""An asyncio loop on a thread of its own, so synchronous checks can drive async gRPC with bounds."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Awaitable


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        # Once close() began, no coroutine is scheduled any more: one scheduled after the last cancel would be
        # destroyed pending with the loop ("Task was destroyed but it is pending!" on stderr).
        self._closing = False
        self._gate = threading.Lock()
        self._thread = threading.Thread(target=self.loop.run_forever, name="wire-host-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Awaitable[Any], timeout: float) -> Any:
        """Run a coroutine on the loop; TimeoutError (and the coroutine cancelled) past the bound.

        The bound is kept on this side (no asyncio.wait_for task on the loop's side): one
        task less per call is a third of the host's overhead per RPC (bench/bench_wire.py).
        """
        with self._gate:
            if self._closing or self.loop.is_closed():  # the run is ending: another thread closes this host
                coroutine.close()
                raise TimeoutError("the host's loop is closed")
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            if self.loop.is_running():  # a closed loop has nothing left to cancel (and would refuse to)
                future.cancel()  # cancels the coroutine on the loop too
            raise

    def close(self) -> None:
        with self._gate:
            if self._closing or self.loop.is_closed():
                return
            self._closing = True

        async def cancel_everything() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(cancel_everything(), self.loop).result(5)
        except Exception:  # noqa: BLE001 - shutting down whatever state the loop is in
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            try:  # what was scheduled between the cancel and the stop: cancelled here, on this thread
                self.loop.run_until_complete(cancel_everything())
            except Exception:  # noqa: BLE001 - shutting down whatever state the loop is in
                pass
            self.loop.close()
