"""Parsing C with clang's own front end (the ``libclang`` wheel).

kcheck never parses C itself: clang preprocesses, parses and type-checks the
file against the kernel headers shipped in ``kcheck/c/include`` (``-nostdinc``:
no system compiler or libc headers are needed), and its diagnostics are
kcheck's errors, word for word (``file.c:19:32: error: address of bit-field
requested``).  This module holds what the Python bindings of libclang 18 do
not wrap: the operator of a binary or unary expression and constant
evaluation, both exported by the shared library itself.
"""

from __future__ import annotations

import ctypes
import os
import re

import clang.cindex as ci

from ..engine.runtime import ModelError

K = ci.CursorKind
T = ci.TypeKind

INCLUDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")

# -target fixes the data model (LP64, x86-64 struct layout) whatever the host is
BASE_ARGS = ["-x", "c", "-std=gnu11", "-target", "x86_64-unknown-linux-gnu", "-nostdinc",
             "-ffreestanding", "-fno-ms-extensions", "-D__KERNEL__", "-D__KCHECK__",
             "-Werror=implicit-function-declaration", "-Werror=int-conversion",
             "-Werror=incompatible-pointer-types", "-Werror=return-type",
             "-Wno-unused-value", "-Wno-gnu-variable-sized-type-not-at-end"]


class CError(ModelError):
    """A C input kcheck cannot run: ``file:line:col: error: message`` (exit 2),
    printed as is, in the compiler's format (``verbatim``)."""

    verbatim = True

    def __init__(self, message, file=None, line=None, col=None):
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        super().__init__(str(self))

    def __str__(self):
        where = ""
        if self.file:
            where = f"{self.file}:"
            if self.line:
                where += f"{self.line}:"
                if self.col:
                    where += f"{self.col}:"
            where += " "
        return f"{where}error: {self.message}"


def error_at(cursor, message):
    """A CError at ``cursor``'s position (the expansion of a macro: the user's line)."""
    loc = cursor.location
    f = loc.file.name if loc.file is not None else None
    return CError(message, f, loc.line, loc.column)


# -- what the Python bindings leave out ---------------------------------------

_lib = ci.conf.lib


def _bind(name, argtypes, restype):
    fn = getattr(_lib, name)
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


_binop = _bind("clang_getCursorBinaryOperatorKind", [ci.Cursor], ctypes.c_int)
_unop = _bind("clang_getCursorUnaryOperatorKind", [ci.Cursor], ctypes.c_int)
_eval = _bind("clang_Cursor_Evaluate", [ci.Cursor], ctypes.c_void_p)
_ev_kind = _bind("clang_EvalResult_getKind", [ctypes.c_void_p], ctypes.c_int)
_ev_unsigned = _bind("clang_EvalResult_isUnsignedInt", [ctypes.c_void_p], ctypes.c_uint)
_ev_u64 = _bind("clang_EvalResult_getAsUnsigned", [ctypes.c_void_p], ctypes.c_ulonglong)
_ev_s64 = _bind("clang_EvalResult_getAsLongLong", [ctypes.c_void_p], ctypes.c_longlong)
_ev_str = _bind("clang_EvalResult_getAsStr", [ctypes.c_void_p], ctypes.c_char_p)
_ev_dispose = _bind("clang_EvalResult_dispose", [ctypes.c_void_p], None)
_var_init = _bind("clang_Cursor_getVarDeclInitializer", [ci.Cursor], ci.Cursor)
_var_init.errcheck = ci.Cursor.from_result

# CXBinaryOperatorKind (clang-c/Index.h, LLVM 17+)
BINOPS = {3: "*", 4: "/", 5: "%", 6: "+", 7: "-", 8: "<<", 9: ">>", 11: "<", 12: ">", 13: "<=",
          14: ">=", 15: "==", 16: "!=", 17: "&", 18: "^", 19: "|", 20: "&&", 21: "||", 22: "=",
          23: "*=", 24: "/=", 25: "%=", 26: "+=", 27: "-=", 28: "<<=", 29: ">>=", 30: "&=",
          31: "^=", 32: "|=", 33: ","}
# CXUnaryOperatorKind
UNOPS = {1: "post++", 2: "post--", 3: "++", 4: "--", 5: "&", 6: "*", 7: "+", 8: "-", 9: "~",
         10: "!", 13: "__extension__"}


def binop(c):
    return BINOPS.get(_binop(c))


def unop(c):
    return UNOPS.get(_unop(c))


def var_initializer(c):
    """The initialiser of a variable declaration, or None (array bounds are not one)."""
    r = _var_init(c)
    if r is None or r.kind.is_invalid():
        return None
    return r


def evaluate_int(c):
    """The value of an integer constant expression, or None."""
    r = _eval(c)
    if not r:
        return None
    try:
        if _ev_kind(r) != 1:          # CXEval_Int
            return None
        if _ev_unsigned(r):
            return _ev_u64(r)
        return _ev_s64(r)
    finally:
        _ev_dispose(r)


# -- parsing --------------------------------------------------------------------

_INDEX = None


def index():
    global _INDEX
    if _INDEX is None:
        _INDEX = ci.Index.create()
    return _INDEX


def _on_a_big_stack(fn):
    """``fn()`` on a thread with a 256 MiB stack (address space; only what is used
    is touched), libclang told to parse on the calling thread: clang's parser
    recurses once per operator, and on its own 8 MiB thread a 20,000-term
    expression overflowed it - a segmentation fault, no message.  (Such code is
    then refused by check_nesting with its line.)"""
    import threading
    os.environ["LIBCLANG_NOTHREADS"] = "1"
    out = {}

    def run():
        try:
            out["v"] = fn()
        except BaseException as e:         # handed back to the caller's thread
            out["e"] = e
    old = threading.stack_size()
    threading.stack_size(256 << 20)
    try:
        t = threading.Thread(target=run, name="kcheck-clang", daemon=True)
        t.start()
    finally:
        threading.stack_size(old)
    t.join()
    if "e" in out:
        raise out["e"]
    return out["v"]


def parse(path, defines=(), include_dirs=()):
    """Parse ``path``; raise CError with clang's first error."""
    if not os.path.exists(path):
        raise CError("no such file", path)
    args = list(BASE_ARGS)
    for d in include_dirs:
        args += ["-I", d]
    args += ["-I", os.path.dirname(os.path.abspath(path)), "-I", INCLUDE_DIR]
    for d in defines:
        args.append("-D" + d)
    try:
        tu = _on_a_big_stack(lambda: index().parse(
            path, args=args, options=ci.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD))
    except ci.TranslationUnitLoadError as e:
        raise CError(f"clang could not parse the file ({e})", path) from None
    for d in tu.diagnostics:
        if d.severity >= ci.Diagnostic.Error:
            loc = d.location
            f = loc.file.name if loc.file is not None else path
            raise CError(_with_hint(d.spelling), _shown(f, path), loc.line or None,
                         loc.column or None)
    return tu


def _with_hint(msg):
    """clang's message, and for a kernel header kcheck does not ship, what to do:
    kcheck compiles against its own headers (kcheck/c/include), which declare
    the primitives it models - a driver's <linux/device.h> is not among them."""
    if msg == "incomplete definition of type 'struct task_struct'":
        # current->mm, current->comm ...: kcheck's task is a handle, not a struct
        return (f"{msg}: kcheck's struct task_struct is opaque (a task is a handle: "
                "current, wake_up_process(), get_task_struct()); for current->mm use "
                "kcheck_user_mm, the harness process's address space (<linux/mm_types.h>)")
    m = re.fullmatch(r"'((?:linux|asm|asm-generic|uapi|net|trace)/[^']+)' file not found", msg)
    if m is None:
        return msg
    return (f"{msg}: kcheck's kernel headers have no <{m.group(1)}> - drop the #include and "
            f"declare in the file what it used from there (the headers kcheck has: "
            f"{os.path.join(INCLUDE_DIR, os.path.dirname(m.group(1)))})")


MAX_NESTING = 440


def check_nesting(tu, path):
    """Refuse code nested deeper than kcheck's compiler (recursive, one Python frame
    or two a level) can take: a 600-term sum made it fail inside a libclang
    callback and 20,000 terms crashed the interpreter.  An explicit stack walks
    the user's code (not kcheck's headers), ~25 us a node."""
    stack = [(c, 1) for c in tu.cursor.get_children() if not in_kcheck_headers(c)]
    while stack:
        c, d = stack.pop()
        if d > MAX_NESTING:
            loc = c.location
            f = loc.file.name if loc.file is not None else path
            raise CError(f"code nested more than {MAX_NESTING} levels deep (an expression of "
                         f"that many operators, or statements inside statements): kcheck's "
                         f"compiler stops there - split it", _shown(f, path), loc.line or None,
                         loc.column or None)
        stack.extend((k, d + 1) for k in c.get_children())


def _shown(f, path):
    """A file name as the user typed it (headers of kcheck's own by their include path)."""
    if os.path.abspath(f) == os.path.abspath(path):
        return path
    if os.path.abspath(f).startswith(INCLUDE_DIR + os.sep):
        return "<kcheck>/" + os.path.relpath(f, INCLUDE_DIR)
    return f


def in_kcheck_headers(cursor):
    f = cursor.location.file
    return f is not None and os.path.abspath(f.name).startswith(INCLUDE_DIR + os.sep)



# a comment inside an expression (a string or character literal is kept whole)
_COMMENT = re.compile(r'"(?:\\.|[^"\\\n])*"|'"'"r"(?:\\.|[^'\\\n])*'"r"|/\*.*?\*/|//[^\n]*", re.S)

def _spelling_fn():
    f = getattr(ci.conf.lib, "clang_getSpellingLocation", None)
    if f is None:
        return None
    f.argtypes = [ci.SourceLocation, ctypes.POINTER(ci.c_object_p), ctypes.POINTER(ctypes.c_uint),
                  ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)]
    f.restype = None
    return f


_SPELLING = []


def _spelling(loc):
    """(file name, offset) where the token at ``loc`` is written (a macro's
    argument: in the file that calls it), or None."""
    if not _SPELLING:
        _SPELLING.append(_spelling_fn())
    fn = _SPELLING[0]
    if fn is None:
        return None
    f = ci.c_object_p()
    line, col, off = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    fn(loc, ctypes.byref(f), ctypes.byref(line), ctypes.byref(col), ctypes.byref(off))
    if not f:
        return None
    return ci.File(f).name, off.value


class Source:
    """The text of the files a translation unit reads, to show C expressions in traces."""

    def __init__(self):
        self._files = {}

    def text(self, cursor, limit=80):
        """The source text of ``cursor`` as written (a macro call stays a macro call;
        an expression written as a macro's argument is itself, not the call:
        ``r.slots[t & 3]`` in ``BUG_ON(r.slots[t & 3] != 42)``)."""
        ext = cursor.extent
        s, e = ext.start, ext.end
        name = s.file.name if s.file is not None else None
        lo, hi = s.offset, e.offset
        sp = _spelling(s), _spelling(e)
        if name is not None and e.file is not None and e.file.name == name:
            # inside a macro call: the argument's own tokens, when it is one
            if (sp[0] is not None and sp[1] is not None and sp[0][0] == name == sp[1][0]
                    and sp[0][1] < sp[1][1] and (lo == hi or lo <= sp[0][1] <= sp[1][1] <= hi)):
                lo, hi = sp[0][1], sp[1][1]
        elif sp[0] is not None and sp[1] is not None and sp[0][0] == sp[1][0]:
            # the two ends are in different expansions (container_of(...)->val
            # inside BUG_ON()): where they are written
            name, lo, hi = sp[0][0], sp[0][1], sp[1][1]
        else:
            return None
        data = self._files.get(name)
        if data is None:
            try:
                with open(name, "rb") as fh:
                    data = fh.read()
            except OSError:
                data = b""
            self._files[name] = data
        if not (0 <= lo <= hi <= len(data)):
            return None
        t = data[lo:hi].decode("utf-8", "replace")
        cut = False
        if "/" in t:
            t2 = _COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", t)
            cut = t2 != t
            t = t2
        t = " ".join(t.split())
        if cut:            # where a comment was: no space before ) and , or after (
            t = t.replace(" )", ")").replace(" ,", ",").replace("( ", "(")
        if len(t) > limit:
            t = t[:limit - 3] + "..."
        return t
