"""One C buggy/fixed twin, checked: the fixed build clean and exhaustive, the
buggy one reporting ``kinds`` with ``text`` in its message, and its schedule
replaying to the same kind (what every C twin of the kernel API tests asks)."""

import kcheck
import kcheck.c


def check_c_twin(tmp_path, source, define, bad, mm, kinds, text, name="twin.c"):
    f = tmp_path / name
    f.write_text(source)
    prog = kcheck.c.load(str(f), defines=(define,) if bad else ())
    res = kcheck.check(prog.entry, memory_model=mm)
    if not bad:
        assert res.verdict == "no-bug" and res.exhaustive, res.format()
        return res
    assert res.bug is not None and res.bug.kind in kinds, res.format()
    assert text in res.bug.message, res.bug.message
    again = kcheck.replay(prog.entry, res.bug.schedule, memory_model=mm)
    assert again.bug is not None and again.bug.kind == res.bug.kind
    return res
