"""``kcheck tdp-mmu``: list, check, claims.

Exit codes as ``kcheck check``: 0 no bug, 1 bug, 2 usage error.
"""

from __future__ import annotations

import json
import sys

import click

from . import DEFAULT_SIZES, FLOWS, MUTANTS, VARIANTS, build_main


def _sizes_option(f):
    return click.option("--size", "sizes", multiple=True, metavar="NAME=N",
                        help="model size, e.g. --size fanout=2 (sizes: "
                             + ", ".join(f"{k}={v}" for k, v in DEFAULT_SIZES.items()) + ")")(f)


def _parse_sizes(sizes):
    out = {}
    for s in sizes:
        k, sep, v = s.partition("=")
        if not sep or k not in DEFAULT_SIZES:
            raise click.UsageError(f"bad --size {s!r}; sizes: {', '.join(DEFAULT_SIZES)}")
        try:
            out[k] = int(v)
        except ValueError:
            raise click.UsageError(f"bad --size {s!r}: not an integer") from None
    return out


def _check_sizes(checks):
    """Sizes the model cannot take are a usage error before anything runs: a
    table whose every check failed on them printed a table of "n-a" and exited
    0 (``claims --size fanout=1``)."""
    seen = set()
    for ch in checks:
        if ch.special is not None:
            continue            # a check of its own making (C1's xchg on the bit)
        key = (ch.scenario, tuple(sorted(ch.sizes.items())))
        if key in seen:
            continue
        seen.add(key)
        try:
            build_main("v5.18", ch.scenario, **ch.sizes)
        except ValueError as e:
            raise click.UsageError(f"{e} (at {' '.join(f'{k}={v}' for k, v in ch.sizes.items())})") \
                from None



def _out_dir(ctx, param, value):
    """An --out that cannot be a directory fails now, not after the run."""
    import os
    if not value.strip():
        raise click.BadParameter("an empty directory name")
    if os.path.exists(value) and not os.path.isdir(value):
        raise click.BadParameter(f"{value} is a file, not a directory")
    return value

@click.group("tdp-mmu", context_settings={"help_option_names": ["-h", "--help"]})
def tdp_mmu():
    """The KVM TDP MMU root-lifecycle model: variants, flows, mutants, claims."""


@tdp_mmu.command("list")
def list_cmd():
    """Variants, flows, mutants and claims, one per line with its doc."""
    from .claims import CLAIMS
    click.echo("variants:")
    for name, cls in VARIANTS.items():
        click.echo(f"  {name:<20} {cls.doc}")
    click.echo("flows:")
    for name, fl in FLOWS.items():
        click.echo(f"  {name:<20} {fl.doc}")
    click.echo("mutants (select with --variant BASE --mutant NAME, or --variant BASE/NAME):")
    for name, m in MUTANTS.items():
        click.echo(f"  {m.base + '/' + name:<36} {m.doc}  [caught by {m.scenario}: {m.expect}]")
    click.echo("claims:")
    for cid, c in CLAIMS.items():
        w = " (withdrawn)" if c.withdrawn and "withdrawn" not in c.who else ""
        click.echo(f"  {cid:<5} {c.who}{w}: {c.doc}")


@tdp_mmu.command("check")
@click.option("--variant", required=True, help="a variant, or BASE/MUTANT")
@click.option("--scenario", required=True, help="flows joined by '+', e.g. memslot+vcpu")
@click.option("--mutant", default=None, help="a mutant of the variant")
@click.option("--memory-model", type=click.Choice(["sc", "lkmm"]), default="sc", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
@click.option("--max-executions", type=click.IntRange(min=1), default=None)
@click.option("--step-bound", type=click.IntRange(min=1), default=None)
@click.option("--html", "html", default=None, metavar="REPORT.html",
              help="also write a self-contained HTML report of the result")
@click.option("--drop-barrier", "drop_barriers", multiple=True, metavar="NAME[@FUNC|@FILE:LINE]",
              help="switch a barrier off (see kcheck check --help)")
@click.option("--replay", "schedule", default=None, metavar="SCHEDULE",
              help="run one schedule from a bug report instead of exploring (the "
                   "report's replay: line gives it with the options it needs)")
@_sizes_option
def check_cmd(variant, scenario, mutant, memory_model, as_json, max_executions, step_bound, html,
              drop_barriers, schedule, sizes):
    """Explore one variant on one scenario (or, with --replay, run one schedule)."""
    import kcheck
    from ... import cli as top        # the checks `kcheck check` makes of the same options
    try:
        sz = _parse_sizes(sizes)
        main = build_main(variant, scenario, mutant=mutant, **sz)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    step_bound_given = step_bound
    if step_bound is None:
        from .flows import step_bound_for
        step_bound = step_bound_for(sz)
    if html:
        top._writable("--html", html)
    top._check_drop_specs(drop_barriers, False)
    from ...report.progress import Progress
    prog = Progress()
    try:
        if schedule is not None:
            from ...engine.schedule import ScheduleError
            try:
                result = kcheck.replay(main, schedule, memory_model=memory_model,
                                       step_bound=step_bound, drop_barriers=drop_barriers)
            except ScheduleError as e:
                raise click.UsageError(f"--replay: {e}") from None
        else:
            result = kcheck.check(main, memory_model=memory_model, max_executions=max_executions,
                                  step_bound=step_bound, drop_barriers=drop_barriers,
                                  progress=prog)
    except ValueError as e:          # e.g. an unknown memory model
        raise click.UsageError(str(e)) from None
    finally:
        prog.close()
    top._unmatched_drops(result, drop_barriers, False)
    if html:
        title = f"{variant}{'/' + mutant if mutant else ''} on {scenario} ({memory_model})"
        top.write_html(result, html, title)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        # the command that replays a report's schedule: this one, with its options
        from .claims import tdp_replay_command
        click.echo(result.format(command=tdp_replay_command(
            variant, scenario, mutant, sizes, step_bound_given, drop_barriers)))
    sys.exit(result.exit_code)


class _Covered:
    """The checks of a table that finished, so that Ctrl-C can say what was
    covered: each one's verdict, executions and whether it was exhaustive
    (no claim is decided from part of its checks)."""

    def __init__(self, total, what="checks", rest="no claim decided"):
        self.total = total
        self.what = what
        self.rest = rest
        self.done = []

    def wrap(self, progress, mm=None):
        """``mm``: the memory model to list the checks under (None: each check's own)."""
        def done(check, res, k, n):
            self.done.append((check, mm or check.memory_model, res))
            progress(check, res, k, n)
        return done

    def report(self, as_json, cut=()):
        """``cut``: (check, CheckResult) of the checks Ctrl-C stopped
        (claims.CheckInterrupted), listed with how far each had got."""
        def row(ch, mm, r):
            return {"check": ch.label if ch.special is not None else ch.name, "memory_model": mm,
                    "verdict": r.verdict, "bug": r.bug.kind if r.bug is not None else None,
                    "executions": r.executions, "exhaustive": r.exhaustive,
                    "seconds": round(r.seconds, 2)}
        rows = [row(ch, mm, r) for ch, mm, r in self.done]
        stopped = [row(ch, ch.memory_model, r) for ch, r in cut]
        from ...engine.runtime import STOPPED_BY
        msg = (f"interrupted ({STOPPED_BY[0]}): {len(rows)} of {self.total} {self.what} finished, "
               f"{self.rest}")
        click.echo(f"kcheck: {msg}", err=True)
        if as_json:
            click.echo(json.dumps({"verdict": "interrupted", "error": msg, "checks": rows + stopped,
                                   "exit_code": 130}, indent=2))
            return
        for r in rows:
            how = r["verdict"] + (f" ({r['bug']})" if r["bug"] else "")
            extent = "exhaustive" if r["exhaustive"] else "not exhaustive"
            click.echo(f"  {r['check']} [{r['memory_model']}]: {how}, "
                       f"{r['executions']:,} executions, {extent}", err=True)
        for r in stopped:
            click.echo(f"  {r['check']} [{r['memory_model']}]: stopped by {STOPPED_BY[0]} after "
                       f"{r['executions']:,} executions ({r['seconds']:,.0f} s), not finished",
                       err=True)


class _TableProgress:
    """A line on stderr as each check of a table finishes (a table runs for
    minutes): which, its verdict and executions, and how far the table is.
    On a terminal, or with KCHECK_PROGRESS=1, as the top command's progress."""

    def __init__(self, what):
        import time
        from ...report.progress import wanted
        self.what = what
        self.t0 = time.perf_counter()
        self.enabled = wanted()
        self.console = None

    def __call__(self, check, res, k, n):
        if not self.enabled:
            return
        import time
        if self.console is None:
            from rich.console import Console
            self.console = Console(stderr=True, highlight=False)
        el = time.perf_counter() - self.t0
        name = check.label if check.special is not None else check.name
        what = self.what or check.memory_model.upper()     # None: the check's memory model
        if res.verdict == "error":
            self.console.print(f"[{k}/{n} {what}] {name}: does not run: {res.error}",
                               soft_wrap=True, markup=False)
            return
        how = res.verdict if res.verdict != "bug" or res.bug is None else f"bug ({res.bug.kind})"
        extent = ("exhaustive" if res.exhaustive else
                  "stopped at it" if res.verdict == "bug" else "bounded")
        kept = " - kept from an earlier run" if getattr(res, "kept", False) else ""
        self.console.print(f"[{k}/{n} {what}] {name}: {how}, {res.executions:,} "
                           f"executions, {extent}, {res.seconds:.1f} s{kept} (table: {el:.0f} s)",
                           soft_wrap=True, markup=False)


@tdp_mmu.command("claims")
@click.option("--json", "as_json", is_flag=True, help="print the table as JSON")
@click.option("--out", "out_dir", default="out/claims", show_default=True, callback=_out_dir,
              help="directory for the traces of refuted claims (Cnn.txt)")
@click.option("--only", default=None, help="comma-separated claim ids, e.g. C6,C12")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="checks run in parallel")
@click.option("--html", "html", default=None, metavar="CLAIMS.html",
              help="also write the table as a page, each refuted claim linked to its trace")
@click.option("--lkmm-budget", type=click.IntRange(min=0), default=None, metavar="N",
              help="executions per check run again under the LKMM (default 2000; 0: no "
                   "budget, every LKMM check exhaustive - the readers scenario then takes "
                   "tens of minutes per check at the claims' sizes, hours at fanout=3)")
@_sizes_option
def claims_cmd(as_json, out_dir, only, jobs, html, lkmm_budget, sizes):
    """Decide claims C1–C18 by running the model (at fanout=2, gfns=3, slot_pages=3
    unless --size says otherwise)."""
    from . import claims as claims_mod
    from .claims import CLAIMS, claims_at_sizes, decide_claim, lkmm_rechecks, run_checks, \
        write_traces
    if html:
        from ... import cli as top
        top._writable("--html", html)      # before the run, not after minutes of it
    if lkmm_budget is not None:
        claims_mod.LKMM_BUDGET = lkmm_budget or None
    sz = _parse_sizes(sizes)
    if sz:
        CLAIMS = claims_at_sizes(CLAIMS, sz)
    ids = list(CLAIMS)
    if only is not None:
        ids = [i.strip() for i in only.split(",")]
        bad = [i for i in ids if i not in CLAIMS]
        if bad:
            raise click.UsageError(f"unknown claim(s) {bad}; claims: {', '.join(CLAIMS)}")
    checks = [ch for cid in ids for ch in CLAIMS[cid].checks]
    if sz:
        _check_sizes(checks)
    if not as_json:
        click.echo(f"running {len({c.key() for c in checks})} checks on {jobs} process(es)…",
                   err=True)
    covered = _Covered(len({c.key() for c in checks}))
    waiting = list(dict.fromkeys(ids))         # claims whose LKMM checks are not queued yet
    rechecked = set()                          # their keys
    told = []

    def lkmm_for_finished_claims(results):
        """For a claim that depends on the memory model, once its SC checks are
        all in: each one that found no bug, again under the LKMM - queued at
        once, to run on whichever process is free."""
        ready = [cid for cid in waiting if all(ch.key() in results for ch in CLAIMS[cid].checks)]
        if not ready:
            return []
        for cid in ready:
            waiting.remove(cid)
        again = lkmm_rechecks([CLAIMS[cid] for cid in ready], results)
        fresh = {c.key() for c in again} - set(results) - rechecked
        rechecked.update(fresh)
        covered.total += len(fresh)
        if again and not as_json and not told:
            told.append(True)
            click.echo("and, as each claim's SC checks finish, the memory-model-dependent "
                       "ones again under the LKMM…", err=True)
        return again

    progress = _TableProgress(None)
    try:
        results = run_checks(checks, jobs=jobs, done=covered.wrap(progress),
                             more=lkmm_for_finished_claims)
    except KeyboardInterrupt as e:
        covered.report(as_json, getattr(e, "partial", ()))
        sys.exit(130)
    lkmm_results = {k: results[k] for k in rechecked}
    rows = []
    for cid in ids:
        row = decide_claim(CLAIMS[cid], results, lkmm_results)
        row.trace = write_traces(row, out_dir)
        rows.append(row)
    if html:
        _write_html(rows, html)
    if as_json:
        out = []
        for row in rows:
            j = row.to_json()
            j["trace"] = row.trace
            out.append(j)
        click.echo(json.dumps({"claims": out}, indent=2))
        return
    _print_table(rows)


@tdp_mmu.command("matrix")
@click.option("--variant", "variants", multiple=True, help="only these variants (default: all)")
@click.option("--scenario", "scenarios", multiple=True,
              help="only these scenarios (default: every pair of base flows, the huge-page "
                   "rows and the three-flow rows)")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="cells run in parallel")
@click.option("--max-executions", type=click.IntRange(min=1), default=None,
              help="budget per cell (default: none - every cell exhaustive)")
@click.option("--out", "out_dir", default="out/matrix", show_default=True, callback=_out_dir,
              help="directory for the trace of every bug (VARIANT__SCENARIO.txt)")
@click.option("--json", "as_json", is_flag=True, help="print the matrix as JSON")
@click.option("--markdown", is_flag=True, help="print the matrix as a Markdown table")
@click.option("--state", "state_dir", default=None, metavar="DIR",
              help="keep every finished cell, and every running cell's search (checkpointed "
                   "every 30 s), in DIR; run again with the same DIR to go on after Ctrl-C or "
                   "kill -9 (cells kept by other kcheck code are run again)")
@_sizes_option
def matrix_cmd(variants, scenarios, jobs, max_executions, out_dir, as_json, markdown, state_dir,
               sizes):
    """Every variant on every scenario of the matrix, exhaustively under SC."""
    import time
    from .matrix import run_matrix, to_json, to_markdown, write_cell_traces, cell_text, row_label
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        raise click.UsageError(f"unknown variant(s) {bad}; variants: {', '.join(VARIANTS)}")
    for s in scenarios:
        try:
            from .flows import parse_scenario
            parse_scenario(s)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
    sz = _parse_sizes(sizes)
    t0 = time.perf_counter()
    from .matrix import matrix_checks
    planned = matrix_checks(list(variants) or None, list(scenarios) or None, max_executions, sz)
    # the rows' own sizes too (a huge-page row's notifier range): a cell that
    # cannot be built is a usage error before anything runs
    _check_sizes(planned[0])
    store = None
    if state_dir is not None:
        from .store import CellStore, code_fingerprint
        store = CellStore(state_dir, code_fingerprint())
        try:
            store.prepare()
        except BlockingIOError as e:
            raise click.UsageError(f"--state: {e}")
        except OSError as e:
            raise click.UsageError(f"--state {state_dir}: cannot write there ({e.strerror or e})")
    todo = {ch.key() for ch in planned[0]}
    covered = _Covered(len(todo), "cells", "no matrix printed"
                       + (f"; finished cells and checkpoints are kept in {state_dir}"
                          if state_dir else ""))
    try:
        vs, ss, cells = run_matrix(jobs=jobs, done=covered.wrap(_TableProgress("cell"), "sc"),
                                   planned=planned, store=store)
    except KeyboardInterrupt as e:
        covered.report(as_json, getattr(e, "partial", ()))
        if store is not None and not as_json:
            finished = {ch.key() for ch, _mm, _r in covered.done}
            for ch in planned[0]:
                n = store.progress(ch) if ch.key() not in finished else None
                if n is not None:
                    click.echo(f"  {ch.name}: {n:,} executions checkpointed, resumes from there",
                               err=True)
        sys.exit(130)
    paths = write_cell_traces(vs, ss, cells, out_dir, sz)
    took = time.perf_counter() - t0
    if as_json:
        j = to_json(vs, ss, cells, paths, sz)
        j["seconds"] = round(took, 1)
        click.echo(json.dumps(j, indent=2))
    elif markdown:
        click.echo(to_markdown(vs, ss, cells))
    else:
        from rich.console import Console
        from rich.table import Table
        t = Table(title="TDP MMU verdict matrix (SC; cell: verdict and executions)")
        t.add_column("scenario")
        for v in vs:
            t.add_column(v, overflow="fold")
        for s in ss:
            t.add_row(row_label(s), *[cell_text(cells[(v, s)]) for v in vs])
        Console(width=200).print(t)
        n = len(cells)
        ex = sum(1 for r in cells.values() if r.verdict == "bug" or r.exhaustive)
        kept = sum(1 for r in cells.values() if getattr(r, "kept", False))
        click.echo(f"{n} cells, {ex} decided exhaustively (a bug found is decided), "
                   f"{sum(r.executions for r in cells.values())} executions, {took:.0f} s"
                   + (f" ({kept} cells kept from earlier runs; the cells' own time "
                      f"{sum(r.seconds for r in cells.values()):.0f} s)" if kept else "")
                   + f"; traces in {out_dir}/")
    if any(r.verdict == "error" for r in cells.values()):
        sys.exit(2)         # a cell that did not run: the matrix is not a verdict
    sys.exit(1 if any(r.verdict == "bug" for r in cells.values()) else 0)


@tdp_mmu.command("barriers")
@click.option("--variant", required=True, help="a variant, e.g. sean-v3")
@click.option("--scenario", default="vcpu+dirty-log", show_default=True)
@click.option("--memory-model", type=click.Choice(["lkmm", "sc"]), default="lkmm",
              show_default=True, help="sc: every barrier is redundant there, by definition")
@click.option("--max-executions", type=click.IntRange(min=1), default=2000, show_default=True,
              help="bound on each run (two-task scenarios are exhaustive well within "
                   "it under the LKMM; a bounded run says so)")
@click.option("--json", "as_json", is_flag=True)
@_sizes_option
def barriers_cmd(variant, scenario, memory_model, max_executions, as_json, sizes):
    """Drop each barrier of a variant in turn: is it necessary or redundant?"""
    from .barriers import barrier_table
    try:
        base, rows = barrier_table(variant, scenario, memory_model=memory_model,
                                   max_executions=max_executions, **_parse_sizes(sizes))
    except (ValueError, KeyError) as e:
        raise click.UsageError(str(e)) from None
    if as_json:
        click.echo(json.dumps({"variant": variant, "scenario": scenario, "memory_model": memory_model,
                               "with_all": {"verdict": base.verdict, "executions": base.executions,
                                            "exhaustive": base.exhaustive},
                               "barriers": rows}, indent=2))
        return
    click.echo(f"{variant} on {scenario} ({memory_model}), every barrier in place: {base.verdict}, "
               f"{base.executions} executions, {'exhaustive' if base.exhaustive else 'bounded'}")
    for r in rows:
        click.echo(f"  {r['barrier']:<24} {r['site']:<16} in {r['function']}: {r['effect']} "
                   f"(without it: {r['verdict_without']}, {r['executions']} executions, "
                   f"{'exhaustive' if r['exhaustive'] else 'bounded'}, {r['seconds']} s)")
        if r["trace"]:
            click.echo(r["trace"])
    if not rows:
        click.echo("  (no barrier written in this variant's own code)")


def _write_html(rows, path):
    """The claims table as a page (kcheck.report.html), each refuted claim linked to its traces."""
    from ...report.html import write_claims_report
    out = []
    for row in rows:
        j = row.to_json()
        trace = None
        if row.trace:
            with open(row.trace) as f:
                trace = f.read()
        events = None
        for r in row.results.values():
            b = getattr(r, "bug", None)
            if b is not None and getattr(b, "events", None):
                events = b.events
                break
        refuted = "refuted" in (j["verdict"], j["lkmm"]["verdict"])
        out.append({"claim": j["id"], "who": j["who"], "text": j["claim"], "variants": j["variants"],
                    "scenarios": j["scenarios"], "memory_model": ",".join(j["memory_models"]),
                    "verdict": "refuted" if refuted else j["verdict"],
                    "sc_verdict": j["verdict"], "lkmm_verdict": j["lkmm"]["verdict"],
                    "reason": j["reason"] + (f" | LKMM: {j['lkmm']['reason']}"
                                             if j["lkmm"]["reason"] else ""),
                    "executions": j["executions"],
                    "exhaustive": j["exhaustive"], "seconds": j["seconds"], "trace": trace,
                    "events": events})
    write_claims_report(out, path)


def _print_table(rows):
    from rich.console import Console
    from rich.table import Table
    t = Table(title="TDP MMU claims (verdict under SC and under the LKMM)", show_lines=False)
    for col in ("claim", "variants", "scenarios", "SC", "LKMM", "reason", "executions",
                "exhaustive", "seconds"):
        t.add_column(col, overflow="fold")
    for row in rows:
        j = row.to_json()
        cid = j["id"] + (" (w)" if j["withdrawn"] else "")
        reason = j["reason"]
        if j["lkmm"]["reason"] and row.claim.lkmm:
            reason += f" | LKMM: {j['lkmm']['reason']}"
        t.add_row(cid, ", ".join(j["variants"]), ", ".join(j["scenarios"]),
                  j["verdict"], j["lkmm"]["verdict"],
                  reason + (f" [trace: {row.trace}]" if row.trace else ""),
                  str(j["executions"]), row.exhaustive_text(), f"{j['seconds']:.1f}")
    Console(width=200).print(t)


if __name__ == "__main__":
    tdp_mmu()
