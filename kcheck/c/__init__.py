"""``kcheck.c``: check the kernel's C as written.

    prog = kcheck.c.load("put_root.c")      # clang parses it against kcheck's kernel headers
    kcheck.check(prog.entry)                # the C main() as the harness, or ...
    prog.kvm_tdp_mmu_put_root(kvm, root, 0) # ... C functions called from a Python main()

Layers: ``_parse`` (libclang, diagnostics as errors), ``_types`` (clang's
layout, cells), ``_memory`` (blocks, cells, pointers on kcheck's runtime),
``_access`` (loads and stores, KASAN-style reports), ``_compile`` (the AST
compiled once into closures), ``_kernel`` (kernel calls: bindings to
``kcheck.kernel`` and the runtime's intrinsics), ``_program`` (globals, the
entry, C main() cut where its tasks start).
"""

from ._parse import CError
from ._program import CProgram

__all__ = ["load", "CError", "CProgram"]

_CACHE = {}


def load(path, defines=(), include_dirs=()):
    """Parse and compile the C file at ``path`` (``defines``: "NAME=VALUE" strings).

    Raises ``CError`` (``file:line:col: error: message``) for C that clang
    rejects or kcheck cannot run.
    """
    import os
    key = (os.path.abspath(path), tuple(defines), tuple(include_dirs), _mtime(path))
    prog = _CACHE.get(key)
    if prog is None:
        prog = _CACHE[key] = CProgram(path, defines, include_dirs)
    return prog


def _mtime(path):
    import os
    try:
        return os.path.getmtime(path)
    except OSError:
        return None
