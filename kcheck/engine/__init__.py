"""Internal: the checking engine.  Nothing here is public API.

* ``graph``    - execution graphs (po, rf, co), views;
* ``runtime``  - runs tasks as greenlets, turns kernel calls into events;
* ``explore``  - TruSt: exhaustive optimal exploration (and the driver protocol);
* ``strategies`` - replay, random, PCT and preemption-bounded drivers;
* ``memory``   - consistency predicates (SC; LKMM for litmus tests);
* ``detect``   - whole-execution checks (use-after-free races, leaks, deadlocks).
"""
