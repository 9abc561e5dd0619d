"""Progress of one exploration on stderr, for the commands that run one.

Long work shows how far it is: executions, their rate, events per second
and the time so far, on a terminal (or with ``KCHECK_PROGRESS=1``), as one
live line that disappears when the run ends.  The explorer calls it after
every execution; it redraws at most four times a second.
"""

from __future__ import annotations

import os
import sys
import time


class Progress:
    """Rich progress on stderr (executions, executions/s, elapsed) for runs over a second."""

    def __init__(self, enabled=True):
        self.enabled = enabled and sys.stderr.isatty() or os.environ.get("KCHECK_PROGRESS") == "1"
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.live = None
        self.line = ""               # the line last shown

    def __call__(self, driver):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.t0 < 1.0 or now - self.last < 0.25:
            return
        self.last = now
        st = driver.stats
        el = now - self.t0
        n = st.executions + st.blocked
        msg = (f"explored {st.executions} executions ({st.blocked} blocked), "
               f"{n / el:,.0f} exec/s, {st.events / el:,.0f} events/s, {el:.1f} s")
        self.line = msg
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
