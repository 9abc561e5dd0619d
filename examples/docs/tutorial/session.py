"""session.c, translated line by line for kcheck (the tutorial's model)."""
from kcheck import spawn
from kcheck.kernel import (KStruct, refcount_t, rcu_head, kzalloc, kfree, call_rcu, container_of,
                           ptr, rcu_read_lock, rcu_read_unlock, rcu_dereference,
                           rcu_dereference_protected, RCU_INIT_POINTER,
                           refcount_inc, refcount_dec_and_test)


class session(KStruct):
    refs: refcount_t
    hits: int
    rcu: rcu_head


class globals_(KStruct):
    cur_session: session                  # struct session __rcu *cur_session


def session_free_rcu(head):
    kfree(container_of(head, session, "rcu"))


def session_put(s):
    if refcount_dec_and_test(s.refs):
        call_rcu(s.rcu, session_free_rcu)


def session_get(g):
    rcu_read_lock()
    s = rcu_dereference(ptr(g, "cur_session"))
    if s is not None:
        refcount_inc(s.refs)
    rcu_read_unlock()
    return s


def session_hit(g):
    s = session_get(g)
    if s is None:
        return
    s.hits += 1
    session_put(s)


def session_close(g):
    s = rcu_dereference_protected(ptr(g, "cur_session"), True)
    RCU_INIT_POINTER(ptr(g, "cur_session"), None)
    session_put(s)


def main():
    g = globals_(cur_session=kzalloc(session, refs=1))    # the table's reference
    spawn(session_hit, g, name="reader")
    spawn(session_close, g, name="closer")
