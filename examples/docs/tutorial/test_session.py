"""The session scheme as pytest tests (run: pytest examples/docs/tutorial)."""
import session
import session_fixed
from kcheck import spawn
from kcheck.pytest_plugin import kcheck_model


def test_session_fixed(kcheck):
    result = kcheck.check(session_fixed.main)
    assert result.exhaustive


def test_session_bug_stays_found(kcheck):
    kcheck.expect_bug(session.main, kind="refcount-warn")


@kcheck_model(races="error", expect="data-race")
def test_two_readers_race_on_hits():          # s->hits++ on two CPUs at once
    g = session_fixed.globals_(cur_session=session_fixed.kzalloc(session_fixed.session, refs=1))
    spawn(session_fixed.session_hit, g, name="reader0")
    spawn(session_fixed.session_hit, g, name="reader1")
    spawn(session_fixed.session_close, g, name="closer")
