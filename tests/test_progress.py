"""The live progress line of one exploration (kcheck check, kcheck tdp-mmu check)."""

import types

from kcheck.report.progress import Progress


def _driver(executions, blocked, events):
    return types.SimpleNamespace(stats=types.SimpleNamespace(executions=executions, blocked=blocked,
                                                             events=events))


def test_progress_line_after_a_second(monkeypatch):
    monkeypatch.setenv("KCHECK_PROGRESS", "1")
    p = Progress()
    p.tty = True                          # a terminal: rich's live line
    p(_driver(10, 0, 100))
    assert p.live is None                 # under a second: nothing shown
    p.t0 -= 2.0
    p(_driver(2000, 3, 40000))
    try:
        line = p.line
        assert p.live is not None
        assert line.startswith("explored 2000 executions (3 blocked)"), line
        assert "exec/s" in line and "events/s" in line
    finally:
        p.close()
    assert p.live is None


def test_progress_off_a_terminal_prints_plain_lines(monkeypatch, capsys):
    """KCHECK_PROGRESS=1 into a log: rich draws a live line only on a terminal
    (and removes it at the end), so plain lines, every PLAIN_PERIOD seconds."""
    monkeypatch.setenv("KCHECK_PROGRESS", "1")
    p = Progress()
    p.tty = False
    p.t0 -= 2.0
    p(_driver(2000, 3, 40000))
    p(_driver(2100, 3, 42000))            # within the period: nothing more
    p.last -= Progress.PLAIN_PERIOD
    p(_driver(2200, 3, 44000))
    p.close()
    err = capsys.readouterr().err.splitlines()
    assert [l.split(" executions")[0] for l in err] == ["kcheck: explored 2000", "kcheck: explored 2200"]
    assert p.live is None


def test_progress_is_off_without_a_terminal(monkeypatch):
    monkeypatch.delenv("KCHECK_PROGRESS", raising=False)
    p = Progress()
    p.t0 -= 2.0
    p(_driver(5, 0, 50))
    assert p.live is None


def test_tdp_mmu_check_reports_progress(monkeypatch):
    """`kcheck tdp-mmu check` hands the explorer the same progress line."""
    from click.testing import CliRunner
    from kcheck.cli import main
    from kcheck.report import progress
    calls = []
    real = progress.Progress.__call__

    def spy(self, d):
        calls.append(d.stats.executions)
        return real(self, d)
    monkeypatch.setattr(progress.Progress, "__call__", spy)
    res = CliRunner().invoke(main, ["tdp-mmu", "check", "--variant", "v5.18", "--scenario", "vcpu",
                                    "--max-executions", "5"])
    assert res.exit_code == 0, res.output
    assert calls, "the explorer never called the progress line"
