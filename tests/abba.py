"""An ABBA through a mutex and an rw_semaphore, shared by the tests of the
deadlock message, the HTML summary and lockdep's ``might_lock()``.

Task a takes the mutex, then (``a_takes``) annotates the rwsem with
``might_lock_read()``, takes it for read or write, or nothing; task b takes
the rwsem for write, then the mutex."""

from kcheck import spawn
from kcheck.kernel import (KStruct, mutex, mutex_lock, mutex_unlock, rw_semaphore, rwlock_t,
                           down_read, up_read, down_write, up_write, might_lock_read)


class S(KStruct):
    m: mutex
    sem: rw_semaphore
    rw: rwlock_t


def rwsem_abba(a_takes="might_lock_read", a_first=True):
    def main():
        s = S()

        def a(s):
            mutex_lock(s.m)
            if a_takes == "might_lock_read":
                might_lock_read(s.sem)
            elif a_takes == "down_read":
                down_read(s.sem)
                up_read(s.sem)
            elif a_takes == "down_write":
                down_write(s.sem)
                up_write(s.sem)
            mutex_unlock(s.m)

        def b(s):
            down_write(s.sem)
            mutex_lock(s.m)
            mutex_unlock(s.m)
            up_write(s.sem)
        first, second = (a, b) if a_first else (b, a)
        spawn(first, s, name=first.__name__)
        spawn(second, s, name=second.__name__)
    return main
