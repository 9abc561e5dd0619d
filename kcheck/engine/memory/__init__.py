"""Memory models: each is a consistency predicate over an execution graph.

The explorer builds graphs event by event and asks the model whether a graph
is consistent.  Sequential consistency (``sc``) is used for whole programs;
the Linux-kernel memory model (``lkmm``) is evaluated axiomatically for
litmus tests (see ``kcheck.litmus``).
"""
