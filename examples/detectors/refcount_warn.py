"""Taking a reference with refcount_inc() while another CPU drops the last
one: "refcount_t: addition on 0; use-after-free."  Fixed: refcount_inc_not_zero()."""
from kcheck import spawn
from kcheck.kernel import KStruct, refcount_t, refcount_inc, refcount_inc_not_zero, refcount_dec_and_test, refcount_dec


class obj(KStruct):
    refs: refcount_t


def put(o):
    refcount_dec_and_test(o.refs)


def get_buggy(o):
    refcount_inc(o.refs)


def get_fixed(o):
    if refcount_inc_not_zero(o.refs):
        refcount_dec_and_test(o.refs)


def _main(get):
    o = obj(refs=1)
    spawn(put, o, name="cpu0")
    spawn(get, o, name="cpu1")


def buggy():
    _main(get_buggy)


def fixed():
    _main(get_fixed)
