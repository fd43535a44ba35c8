"""Parallel work: when forking is safe, worker processes that die with their parent, and their message loop."""

import multiprocessing
import os
import queue
import signal
import threading

from ..system import libc


class WorkerFailed(Exception):
    """A worker process raised an error (its message) or died before it could report."""


def cpu_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def can_fork() -> bool:
    """fork copies the loaded site for free; unsafe with other threads running (e.g. a browser driver)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def pool_context():
    """fork (no re-import) when safe, else spawn: a multiprocessing context for a pool of workers."""
    return multiprocessing.get_context("fork" if can_fork() else "spawn")


def die_with_parent() -> None:
    """Linux: end this process when the process that forked it ends (even by kill -9)."""
    lib = libc("prctl")
    if lib is not None:
        lib.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _work_share(work, part: int, parts: int, messages) -> None:
    """In a forked process: send each item `work(part, parts)` yields, then "done" or the error."""
    die_with_parent()
    try:
        for item in work(part, parts):
            messages.put(("item", item))
    except OSError as error:
        messages.put(("oserror", (error.errno, error.strerror, error.filename)))
    except BaseException as error:  # noqa: BLE001 -- reported to the parent, which raises it
        messages.put(("error", str(error) or type(error).__name__))
    else:
        messages.put(("done", None))


def in_forked_processes(work, parts: int, on_item) -> None:
    """Run `work(part, parts)` for each part in its own forked process, passing each item it yields to `on_item`.

    The first failure ends every worker and is raised here: an OSError as itself, anything
    else as WorkerFailed.
    """
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    workers = [context.Process(target=_work_share, args=(work, part, parts, messages)) for part in range(parts)]
    for worker in workers:
        worker.start()
    failure, running = None, parts
    try:
        while running:
            try:
                kind, value = messages.get(timeout=1)
            except queue.Empty:
                dead = [worker.exitcode for worker in workers if worker.exitcode not in (None, 0)]
                if dead:  # killed before it could report
                    failure = failure or ("error", f"a freeze process died (exit status {dead[0]})")
                    break
                continue
            if kind == "item":
                on_item(value)
            else:
                running -= 1
                failure = failure or (None if kind == "done" else (kind, value))
    finally:
        for worker in workers:
            if failure:
                worker.kill()
            worker.join()
    if failure and failure[0] == "oserror":
        raise OSError(*failure[1])
    if failure:
        raise WorkerFailed(failure[1])
