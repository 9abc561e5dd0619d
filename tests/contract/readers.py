from kcheck import spawn
from kcheck.kernel import atomic_t, atomic_set, atomic_read


def main():                      # 2**8 = 256 executions
    x = atomic_t(0)
    spawn(atomic_set, x, 1, name="w")
    for i in range(8):
        spawn(atomic_read, x, name=f"r{i}")
