"""An on-stack completion a waiter gives up on: lpfc_nvmet_destroy_targetport()
(drivers/scsi/lpfc) waits for its tport_unreg_cmp with a timeout and returns,
and the LS response completes the dead frame (KASAN: stack-use-after-return).
``fixed`` waits without a timeout."""
from kcheck import spawn
from kcheck.kernel import (KStruct, DECLARE_COMPLETION_ONSTACK, wait_for_completion_timeout,
                           wait_for_completion, complete, smp_store_release, smp_load_acquire, ptr, cpu_relax)


class tgtport(KStruct):
    cmp: object                 # struct completion *tport_unreg_cmp


def destroy_targetport(t, fixed):
    with DECLARE_COMPLETION_ONSTACK("tport_unreg_cmp") as done:
        smp_store_release(ptr(t, "cmp"), done)
        if fixed:
            wait_for_completion(done)
        elif not wait_for_completion_timeout(done, 5):
            return              # timed out: the frame is gone, the pointer is not


def ls_rsp_done(t):
    c = smp_load_acquire(ptr(t, "cmp"))
    while c is None:                # the response comes after the request went out
        cpu_relax()
        c = smp_load_acquire(ptr(t, "cmp"))
    complete(c)


def make(fixed):
    def main():
        t = tgtport()
        spawn(destroy_targetport, t, fixed, name="destroy")
        spawn(ls_rsp_done, t, name="ls_rsp_done")
    return main


buggy = make(False)
fixed = make(True)
