"""Internal: from a failing execution to something a kernel developer reads.

* ``schedule`` - the schedule string ``kcheck replay`` takes;
* ``minimize`` - fewer context switches, then fewer events (hypothesis-style shrinking);
* ``text``     - the per-task column trace and the result summary;
* ``build``    - runs a strategy and assembles the ``Result``.
"""
