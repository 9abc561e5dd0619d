"""Model code that raises on one interleaving: a Python exception that is
the model's own, not the kernel's (here a dict lookup of a state the model's
table forgot), is a model error - exit 2, the verdict on the kernel code
unknown - reported with the interleaving that led to it.
Fixed: the table has every state the writer stores."""
from kcheck import spawn
from kcheck.kernel import KStruct, READ_ONCE, WRITE_ONCE, ptr


class dev(KStruct):
    state: int


def make(names):
    def reader(d):
        return names[READ_ONCE(ptr(d, "state"))]

    def writer(d):
        WRITE_ONCE(ptr(d, "state"), 2)

    def main():
        d = dev(state=0)
        spawn(writer, d, name="cpu0")
        spawn(reader, d, name="cpu1")
    return main


buggy = make({0: "idle", 1: "busy"})
fixed = make({0: "idle", 1: "busy", 2: "gone"})
