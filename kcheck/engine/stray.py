"""Exceptions a model raises where Python only prints them.

A model that starts a ``threading.Thread``, or does work in a ``__del__``,
can raise where the explorer never sees it: Python prints a traceback on
stderr and the run goes on to "no bug found".  While a search runs, these
hooks collect such exceptions (those with a frame of the model's own, not
kcheck's or the standard library's) and the search ends with a model error
naming the model's line instead.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading

from .runtime import ModelError

_MINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # the kcheck package


class StrayExceptions(list):
    """A context: each (exception, (file, line) of the model's frame) seen."""

    how = "in a Python thread or a finalizer"

    def __enter__(self):
        self.saved = (threading.excepthook, sys.unraisablehook)
        threading.excepthook = lambda a: self._note(a.exc_value, "in a Python thread")
        sys.unraisablehook = lambda u: self._note(u.exc_value, "in a finalizer (__del__)")
        return self

    def __exit__(self, *exc):
        threading.excepthook, sys.unraisablehook = self.saved
        return False

    def _note(self, exc, how):
        if exc is None or isinstance(exc, (SystemExit, GeneratorExit)):
            return
        std = sysconfig.get_paths().get("stdlib", "")
        tb = exc.__traceback__
        where = None
        while tb is not None:
            f = tb.tb_frame.f_code.co_filename
            if not f.startswith(_MINE) and not (std and f.startswith(std)) \
                    and "site-packages" not in f:
                where = (f, tb.tb_lineno)
            tb = tb.tb_next
        if where is not None:
            if not self:
                self.how = how
            self.append((exc, where))

    def error(self):
        """The ModelError for the first one, or None."""
        if not self:
            return None
        exc, where = self[0]
        err = ModelError(f"{type(exc).__name__}: {exc} - raised {self.how} the model made "
                         "outside kcheck's tasks, where kcheck cannot see it (start tasks with "
                         "spawn(), not threading; do no work in __del__)", where=where)
        err.__cause__ = exc
        return err

    def raise_first(self):
        err = self.error()
        if err is not None:
            raise err
