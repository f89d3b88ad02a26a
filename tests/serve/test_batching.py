"""Micro-batching: concurrent requests share one call; one bad request does not fail the others."""

from __future__ import annotations

import asyncio
import threading

import pytest

from cxml.serve.batching import MicroBatcher


def test_concurrent_requests_are_batched_while_the_model_is_busy() -> None:
    calls: list[int] = []
    gate = threading.Event()

    def fn(key, records):
        if not calls:
            gate.wait(10)  # the first call holds the model while the others queue up
        calls.append(len(records))
        return [r["x"] * 10 for r in records]

    async def main():
        b = MicroBatcher(fn, max_batch=64)
        await b.start()
        first = asyncio.create_task(b.submit("m", [{"x": 0}]))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(b.submit("m", [{"x": i}, {"x": -i}])) for i in range(1, 9)]
        await asyncio.sleep(0.05)
        gate.set()
        out = [await first] + [await r for r in rest]
        await b.stop()
        return out

    out = asyncio.run(main())
    assert out[0] == [0] and out[3] == [30, -30]  # each caller gets its own results, in order
    assert calls == [1, 16]  # 8 requests (16 tickets) in one call


def test_batches_respect_the_model_and_the_size() -> None:
    calls: list[tuple[str, int]] = []
    gate = threading.Event()

    def fn(key, records):
        if not calls:
            gate.wait(10)
        calls.append((key, len(records)))
        return list(range(len(records)))

    async def main():
        b = MicroBatcher(fn, max_batch=4)
        await b.start()
        tasks = [asyncio.create_task(b.submit("old", [{}]))]
        await asyncio.sleep(0.05)
        tasks += [asyncio.create_task(b.submit(k, [{}, {}])) for k in ("old", "old", "new", "new")]
        await asyncio.sleep(0.05)
        gate.set()
        await asyncio.gather(*tasks)
        await b.stop()

    asyncio.run(main())
    assert calls == [("old", 1), ("old", 4), ("new", 4)]  # a reloaded model never shares a batch with the old


def test_one_bad_request_fails_alone() -> None:
    gate = threading.Event()
    first_call = threading.Event()

    def fn(key, records):
        if not first_call.is_set():
            first_call.set()
            gate.wait(10)
        if any(r.get("bad") for r in records):
            raise ValueError("a ticket needs a text")
        return [1] * len(records)

    async def main():
        b = MicroBatcher(fn)
        await b.start()
        t0 = asyncio.create_task(b.submit("m", [{}]))
        await asyncio.sleep(0.05)
        good = asyncio.create_task(b.submit("m", [{}]))
        bad = asyncio.create_task(b.submit("m", [{"bad": True}]))
        await asyncio.sleep(0.05)
        gate.set()
        assert await t0 == [1] and await good == [1]
        with pytest.raises(ValueError, match="needs a text"):
            await bad
        await b.stop()

    asyncio.run(main())


def test_max_batch_cuts_the_batches_and_answers_the_first_requests_first() -> None:
    calls: list[int] = []
    gate = threading.Event()
    answered: list[int] = []

    def fn(key, records):
        if not calls:
            gate.wait(10)
        calls.append(len(records))
        return [r["x"] for r in records]

    async def main():
        b = MicroBatcher(fn, max_batch=4)
        await b.start()

        async def one(i: int, key: str = "small") -> list[int]:
            out = await b.submit(key, [{"x": i}])
            answered.append(i)
            return out

        first = asyncio.create_task(one(0))
        await asyncio.sleep(0.05)
        rest = [asyncio.create_task(one(i)) for i in range(1, 11)]
        await asyncio.sleep(0.05)
        gate.set()
        out = [await first] + [await r for r in rest]
        big = await b.submit("small", [{"x": i} for i in range(6)])  # a larger single request: still one call
        await b.stop()
        return out, big

    out, big = asyncio.run(main())
    assert out == [[i] for i in range(11)]
    assert calls[:4] == [1, 4, 4, 2]  # 10 queued requests in calls of at most 4, in arrival order
    assert answered[:5] == [0, 1, 2, 3, 4]
    assert big == list(range(6)) and calls[4:] == [6]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_bound_how_many_batches_run_at_once(workers) -> None:
    inside, most = [0], [0]
    lock = threading.Lock()
    release = threading.Event()

    def fn(key, records):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        release.wait(10)
        with lock:
            inside[0] -= 1
        return [r["x"] for r in records]

    async def main():
        b = MicroBatcher(fn, max_batch=1, workers=workers)  # one ticket a batch: every request is a batch
        await b.start()
        tasks = [asyncio.create_task(b.submit("m", [{"x": i}])) for i in range(6)]
        for _ in range(100):  # until the workers are all busy (or, for 1, a while)
            await asyncio.sleep(0.01)
            if most[0] >= workers:
                break
        await asyncio.sleep(0.05)
        busy = most[0]
        release.set()
        out = await asyncio.gather(*tasks)
        await b.stop()
        return busy, out

    busy, out = asyncio.run(main())
    assert busy == workers  # as many batches at once as workers, never more
    assert out == [[i] for i in range(6)]  # each caller its own result


def test_two_workers_share_requests_that_arrive_together() -> None:
    # eight clients answered by one batch resubmit at once: with a worker idle, the next batch takes half of them
    # and the idle worker the other half (without a share, one request alone, then the other seven)
    calls: list[int] = []
    lock = threading.Lock()
    release = threading.Event()

    def fn(key, records):
        with lock:
            calls.append(len(records))
        release.wait(10)
        return [r["x"] for r in records]

    async def main():
        b = MicroBatcher(fn, max_batch=64, workers=2)
        await b.start()
        tasks = [asyncio.create_task(b.submit("m", [{"x": i}])) for i in range(8)]
        for _ in range(200):
            await asyncio.sleep(0.01)
            if sum(calls) == 8:
                break
        release.set()
        out = await asyncio.gather(*tasks)
        await b.stop()
        return out

    out = asyncio.run(main())
    assert sorted(calls) == [4, 4]
    assert out == [[i] for i in range(8)]


def test_stop_lets_running_batches_finish_and_fails_the_queued_ones() -> None:
    started = threading.Event()
    release = threading.Event()

    def fn(key, records):
        started.set()
        release.wait(10)
        return [1] * len(records)

    async def main():
        b = MicroBatcher(fn, max_batch=1, workers=1)
        await b.start()
        running = asyncio.create_task(b.submit("m", [{}]))
        while not started.is_set():
            await asyncio.sleep(0.01)
        queued = asyncio.create_task(b.submit("m", [{}]))
        await asyncio.sleep(0.05)
        stopping = asyncio.create_task(b.stop())
        await asyncio.sleep(0.05)
        release.set()
        await stopping
        return await running, await asyncio.gather(queued, return_exceptions=True)

    done, (queued,) = asyncio.run(main())
    assert done == [1]
    assert isinstance(queued, RuntimeError) and "shutting down" in str(queued)


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        MicroBatcher(lambda k, r: r, workers=0)
