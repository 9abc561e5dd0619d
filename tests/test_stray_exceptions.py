"""An exception a model raises where Python only prints it - in a
threading.Thread the model starts, in a __del__ - was a traceback on stderr
and "no bug found", exit 0 (a hostile review).  It is a model error naming the
model's line, in one process and in worker processes."""

import threading

import pytest

import kcheck
from kcheck import spawn
from kcheck.engine.runtime import ModelError
from kcheck.kernel import atomic_t, atomic_set


def _in_thread():
    def bad():
        raise ValueError("in thread")

    def main():
        th = threading.Thread(target=bad)
        th.start()
        th.join()
        x = atomic_t(0)
        spawn(atomic_set, x, 1, name="t")
    return main


class _D:
    def __del__(self):
        raise ValueError("in del")


def _in_del():
    def t():
        d = _D()
        del d

    def main():
        spawn(t, name="t")
    return main


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("model,what", [(_in_thread, "in a Python thread"),
                                        (_in_del, "in a finalizer")])
def test_stray_exceptions_are_model_errors(model, what, jobs):
    with pytest.raises(ModelError, match=what) as e:
        kcheck.check(model(), jobs=jobs)
    assert e.value.where is not None and e.value.where[0].endswith("test_stray_exceptions.py")


def test_a_clean_model_is_untouched():
    def main():
        x = atomic_t(0)
        spawn(atomic_set, x, 1, name="t")
    assert kcheck.check(main, jobs=2).verdict == "no-bug"
