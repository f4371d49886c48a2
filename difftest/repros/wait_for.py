"""The open divergence: asyncio.wait_for on patched 3.8-3.10 vs native 3.13.

    python difftest/repros/wait_for.py

Native 3.13 (and 3.12) print:

    1. runs in the caller's task: True
    2. no TimeoutError, expired(): False
    3. KeyError context: TimeoutError cause: NoneType
    4. TimeoutError cause: CancelledError

Patched 3.9/3.10 print True->False in 1, expired() True in 2 (the outer
timeout's cancellation was swallowed by wait_for), "KeyError context:
CancelledError" in 3; 3.8 also loses the KeyError in 3 (TimeoutError instead,
"Task exception was never retrieved") and has no cause in 4.  The package
does not replace wait_for; 3.12 rebuilt it on asyncio.timeout().  The
minimal generated programs that show the same are in the difftest report.
"""
import asyncio

async def same_task(me):
    return asyncio.current_task() is me

async def not_suspending():
    return "done"

async def turns_cancel_into_keyerror():
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        raise KeyError("k")

async def main():
    # 1. Where the awaitable runs.
    print("1. runs in the caller's task:", await asyncio.wait_for(same_task(asyncio.current_task()), 1))
    # 2. An extra suspension point: an expired timeout around a wait_for whose
    #    coroutine never suspends.
    try:
        async with asyncio.timeout(0) as t:
            await asyncio.wait_for(not_suspending(), 1)
        print("2. no TimeoutError, expired():", t.expired())
    except TimeoutError:
        print("2. TimeoutError")
    # 3. An error raised by the awaitable while it is being cancelled.
    try:
        await asyncio.wait_for(turns_cancel_into_keyerror(), 0.01)
    except BaseException as e:
        print("3.", type(e).__name__, "context:", type(e.__context__).__name__,
              "cause:", type(e.__cause__).__name__)
    # 4. TimeoutError's cause.
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    except TimeoutError as e:
        print("4. TimeoutError cause:", type(e.__cause__).__name__)

asyncio.run(main())
