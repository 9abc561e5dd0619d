"""What a model that misuses a struct's fields is told."""

import pytest

import kcheck
from kcheck import spawn
from kcheck.kernel import KStruct, completion, init_completion
from kcheck.engine.runtime import ModelError


class tgtport(KStruct):
    cmp: completion


def test_storing_a_pointer_into_an_embedded_kernel_object_says_so():
    """A review: the message said "tgtport has no field 'cmp' (its fields: cmp)"
    and suggested `cmp: int`."""
    def t(p):
        c = completion()
        init_completion(c)
        p.cmp = c

    def main():
        spawn(t, tgtport(), name="t")
    with pytest.raises(ModelError) as ei:
        kcheck.check(main)
    msg = str(ei.value)
    assert "tgtport.cmp is a completion embedded in the struct" in msg, msg
    assert "`cmp: object`" in msg and "has no field" not in msg, msg
