"""Micro-batching: concurrent ``/v1/triage`` requests answered by one triage call.

While the model works on a batch (in a worker thread), requests that arrive wait in a queue; the next batch
takes all of them (up to ``max_batch`` tickets), so a lone client pays no extra wait and concurrent clients share
the fixed cost of a call: validation, the encoder, the TF-IDF and the heads. With ``workers`` > 1, that many
batches run at once, each in its own thread: the encoder (ONNX Runtime) and the numpy parts release the GIL, so
a second core takes a second batch instead of idling while the first one's tickets wait. Each request is bound to
the model that was serving when it arrived: a batch only mixes requests of one model, so a reload never changes
the model under a request in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MicroBatcher"]


@dataclass
class _Item:
    key: Any
    records: list[dict[str, Any]]
    future: asyncio.Future[list[Any]] = field(repr=False)


class MicroBatcher:
    """Run ``fn(key, records) -> results`` (one result per record) on batches of concurrent requests.

    Parameters
    ----------
    fn : callable
        Called in a worker thread with the batch's key (the model) and the concatenated records; must return a
        list with one result per record, in order.
    max_batch : int, default=64
        Most records per call; a larger single request is still one call.
    on_batch : callable, optional
        Called with the number of records of each batch (metrics).
    workers : int, default=1
        Batches that may run at once (threads calling ``fn``); ``fn`` must then be safe to call concurrently.
    """

    def __init__(self, fn: Callable[[Any, list[dict[str, Any]]], list[Any]], *, max_batch: int = 64,
                 on_batch: Callable[[int], None] | None = None, workers: int = 1) -> None:
        if int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        self.fn = fn
        self.max_batch = int(max_batch)
        self.on_batch = on_batch
        self.workers = int(workers)
        self._queue: asyncio.Queue[_Item] | None = None
        self._task: asyncio.Task[None] | None = None
        self._slots: asyncio.Semaphore | None = None
        self._running: set[asyncio.Task[None]] = set()  # batches dispatched and not yet answered
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="cxml-batch")
        self._held: _Item | None = None

    async def start(self) -> None:
        """Start the consumer task on the running loop."""
        self._queue = asyncio.Queue()
        self._slots = asyncio.Semaphore(self.workers)
        self._task = asyncio.create_task(self._run(), name="cxml-micro-batcher")

    async def stop(self) -> None:
        """Stop the consumer (batches already running finish); requests still queued get a ``RuntimeError``."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self._held is not None and not self._held.future.done():
            self._held.future.set_exception(RuntimeError("the service is shutting down"))
        if self._queue is not None:
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if not item.future.done():
                    item.future.set_exception(RuntimeError("the service is shutting down"))
        self._executor.shutdown(wait=True)

    async def submit(self, key: Any, records: list[dict[str, Any]]) -> list[Any]:
        """Queue ``records`` for the model ``key`` and wait for their results."""
        if self._queue is None:
            raise RuntimeError("MicroBatcher.start() was not called")
        fut: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(key, records, fut))
        return await fut

    async def _next(self) -> _Item:
        assert self._queue is not None
        if self._held is not None:
            item, self._held = self._held, None
            return item
        return await self._queue.get()

    async def _run(self) -> None:
        assert self._queue is not None and self._slots is not None
        while True:
            await self._slots.acquire()  # requests queue up while every worker is busy: the next batch takes them
            try:
                first = await self._next()
            except BaseException:
                self._slots.release()
                raise
            try:
                share = await self._fair_share() if self.workers > 1 else None
            except BaseException:
                self._held = first  # stop() answers it
                self._slots.release()
                raise
            batch = [first]
            n = len(first.records)
            while n < self.max_batch and not self._queue.empty() and (share is None or len(batch) < share):
                item = self._queue.get_nowait()
                if item.key is not first.key or n + len(item.records) > self.max_batch:
                    self._held = item  # another model (a reload happened) or too big: next batch
                    break
                batch.append(item)
                n += len(item.records)
            task = asyncio.create_task(self._process(batch), name="cxml-micro-batch")
            self._running.add(task)

    async def _fair_share(self) -> int | None:
        """Most requests this batch takes while other workers are idle: an even share of those waiting.

        Concurrent clients answered by one batch resubmit together; without a share, the first free worker takes
        the first of them alone and the next takes all the rest, so two workers rarely carry equal halves. One
        turn of the event loop first lets the clients just answered queue their next requests. None (no limit
        but ``max_batch``) when every other worker is busy.
        """
        assert self._queue is not None
        await asyncio.sleep(0)
        idle = self.workers - len(self._running)  # this batch is not running yet: its own slot counts as idle
        if idle <= 1:
            return None
        return -(-(1 + self._queue.qsize()) // idle)

    async def _process(self, batch: list[_Item]) -> None:
        """Run one batch in a worker thread and answer its requests; frees its worker slot when done."""
        assert self._slots is not None
        try:
            await self._answer(batch)
        finally:
            # leaves the running set with its slot, so the next batch counts idle workers exactly
            self._running.discard(asyncio.current_task())
            self._slots.release()

    async def _answer(self, batch: list[_Item]) -> None:
        loop = asyncio.get_running_loop()
        first = batch[0]
        records = [r for item in batch for r in item.records]
        if self.on_batch is not None:
            self.on_batch(len(records))
        try:
            results = await loop.run_in_executor(self._executor, self.fn, first.key, records)
        except Exception as exc:
            if len(batch) == 1:
                if not first.future.done():
                    first.future.set_exception(exc)
                return
            # one bad request must not fail the others: run each alone, so only its own caller sees an error
            for item in batch:
                try:
                    part = await loop.run_in_executor(self._executor, self.fn, item.key, item.records)
                except Exception as one:
                    if not item.future.done():
                        item.future.set_exception(one)
                else:
                    if not item.future.done():
                        item.future.set_result(part)
            return
        start = 0
        for item in batch:
            part = results[start:start + len(item.records)]
            start += len(item.records)
            if not item.future.done():
                item.future.set_result(part)
