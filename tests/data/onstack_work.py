"""INIT_WORK_ONSTACK(): a work item on the caller's stack must be flushed before
the function returns (``fixed``); ``buggy`` returns with it still queued."""
from kcheck import spawn
from kcheck.kernel import (KStruct, on_stack, work_struct, INIT_WORK_ONSTACK, queue_work, flush_work,
                           destroy_work_on_stack, system_wq, container_of, WRITE_ONCE, ptr)


class req(KStruct):
    work: work_struct
    result: int


def fn(w):
    r = container_of(w, req, "work")
    WRITE_ONCE(ptr(r, "result"), 1)


def make(flush):
    def caller():
        with on_stack(req, "r") as r:
            INIT_WORK_ONSTACK(r.work, fn)
            queue_work(system_wq, r.work)
            if flush:
                flush_work(r.work)
            destroy_work_on_stack(r.work)

    def main():
        spawn(caller, name="caller")
    return main


buggy = make(False)
fixed = make(True)
