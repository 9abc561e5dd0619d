"""Progress on stderr while kcheck works, on a terminal or with ``KCHECK_PROGRESS=1``.

Long work shows how far it is.  ``Progress``: one exploration's executions,
their rate, events per second and the time so far, as one live line that
disappears when the run ends.  ``Heartbeat``: for an exploration in a pool
worker (a claims or matrix table), where a live line would fight the
table's own, a plain line every minute.  The explorer calls either after
every execution, so both look at the clock sparingly.
"""

from __future__ import annotations

import os
import sys
import time


def wanted():
    """Is progress to be shown: stderr is a terminal, or KCHECK_PROGRESS=1."""
    return sys.stderr.isatty() or os.environ.get("KCHECK_PROGRESS") == "1"


class Progress:
    """Rich progress on stderr (executions, executions/s, elapsed) for runs over a second.

    On a terminal, one live line rewritten four times a second.  Off a terminal
    (``KCHECK_PROGRESS=1`` into a log or a pipe) a live line would never be
    seen - rich draws it only on a terminal and removes it at the end - so a
    plain line every ``PLAIN_PERIOD`` seconds instead."""

    PLAIN_PERIOD = 10.0

    def __init__(self):
        self.enabled = wanted()
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.live = None
        self.line = ""               # the line last shown

    def __call__(self, driver):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.t0 < 1.0 or now - self.last < (0.25 if self.tty else self.PLAIN_PERIOD):
            return
        st = driver.stats
        el = now - self.t0
        n = st.executions + st.blocked
        self.show(f"explored {st.executions} executions ({st.blocked} blocked), "
                  f"{n / el:,.0f} exec/s, {st.events / el:,.0f} events/s, {el:.1f} s", now)

    def show(self, msg, now=None):
        """Show ``msg`` as the progress line (throttled as above when ``now`` is
        not given: other long work, litmus enumeration, words its own line)."""
        if not self.enabled:
            return
        if now is None:
            now = time.perf_counter()
            if now - self.t0 < 1.0 or now - self.last < (0.25 if self.tty else self.PLAIN_PERIOD):
                return
        self.last = now
        self.line = msg
        if not self.tty:
            print(f"kcheck: {msg}", file=sys.stderr, flush=True)
            return
        if self.live is None:
            from rich.console import Console
            from rich.live import Live
            self.live = Live(msg, console=Console(stderr=True), transient=True, refresh_per_second=4)
            self.live.start()
        else:
            self.live.update(msg)

    def close(self):
        if self.live is not None:
            self.live.stop()
            self.live = None


class Heartbeat:
    """A line on stderr every minute while one check of a table runs long (a
    table's own line comes only as each check finishes, and the largest take
    tens of minutes): the executions so far and their rate.  It looks at the
    clock only every 256th execution."""

    PERIOD = 60.0

    def __init__(self, name):
        self.name = name
        self.n = 0
        self.next = time.perf_counter() + self.PERIOD

    def __call__(self, d):
        self.n += 1
        if self.n & 255:
            return
        now = time.perf_counter()
        if now < self.next:
            return
        self.next = now + self.PERIOD
        st = getattr(d, "stats", None)
        if st is None:
            return
        secs = max(st.seconds, 1e-9)
        print(f"  ... {self.name}: still running, {st.executions:,} executions "
              f"({st.executions / secs:,.0f}/s), {secs / 60:.0f} min", file=sys.stderr, flush=True)
