"""The engine pool: made on first use, never more than its size, reused, and a failed engine not lent again."""

from __future__ import annotations

import asyncio

import pytest

from voice_skill.wyoming.pool import LazyPool, PoolClosed


class Engine:
    made = 0

    def __init__(self) -> None:
        Engine.made += 1
        self.closed = False


def test_at_most_size_engines_are_lent_at_once_and_they_are_reused() -> None:
    Engine.made = 0
    busy = 0
    most_busy = 0

    async def use(pool: LazyPool[Engine]) -> None:
        nonlocal busy, most_busy
        async with pool.lease():
            busy += 1
            most_busy = max(most_busy, busy)
            await asyncio.sleep(0.01)
            busy -= 1

    async def go() -> None:
        pool = LazyPool(Engine, 3)
        await asyncio.gather(*(use(pool) for _ in range(12)))

    asyncio.run(go())
    assert most_busy == 3
    assert Engine.made == 3


def test_an_engine_whose_borrower_failed_is_closed_and_replaced() -> None:
    Engine.made = 0
    closed: list[Engine] = []

    async def go() -> None:
        pool = LazyPool(Engine, 1, close=closed.append)
        with pytest.raises(RuntimeError):
            async with pool.lease():
                raise RuntimeError("engine broke")
        async with pool.lease() as engine:
            assert engine not in closed
        pool.close()

    asyncio.run(go())
    assert Engine.made == 2
    assert len(closed) == 2


def test_nothing_is_made_before_it_is_needed() -> None:
    Engine.made = 0
    LazyPool(Engine, 4)
    assert Engine.made == 0


def test_an_engine_made_after_the_pool_closed_is_closed_at_once() -> None:
    closed: list[Engine] = []

    async def go() -> None:
        pool: LazyPool[Engine] = LazyPool(Engine, 1, close=closed.append)
        lease = asyncio.ensure_future(pool.lease().__aenter__())
        pool.close()
        with pytest.raises(PoolClosed):
            await lease

    asyncio.run(go())
    assert len(closed) == 1


def test_a_failure_to_make_an_engine_reaches_the_borrower() -> None:
    def broken() -> Engine:
        raise OSError("no such model")

    async def go() -> None:
        async with LazyPool(broken, 1).lease():
            pass

    with pytest.raises(OSError, match="no such model"):
        asyncio.run(go())
