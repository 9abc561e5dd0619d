"""The CLI's error contract, as data: each bad input or odd fault of issue 11,
the command that shows it, and what kcheck answers (exit code and the line it
prints).

``tests/test_cli_contract.py`` runs every case and checks the answer word for
word; ``tests/test_docs.py`` renders the same cases as the error-contract table
of docs/reference/cli.md, so the page says what the tests saw.

Commands run from the repository root.  ``{tmp}`` is a scratch directory (shown
as ``DIR`` in the table); ``setup`` fills it.  Times print as ``T s``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
C = "tests/contract"


def _checkpoint(tmp, edit):
    """A checkpoint of readers.py in ``tmp``; then the model edited, or the
    checkpoint's pending paths hand-edited."""
    model = Path(tmp) / "readers.py"
    shutil.copy(ROOT / C / "readers.py", model)
    ck = Path(tmp) / "ck.json"
    subprocess.run([sys.executable, "-m", "kcheck.cli", "check", str(model), "--checkpoint", str(ck),
                    "--max-executions", "20", "-j", "2"], cwd=ROOT, capture_output=True, check=True,
                   env=dict(os.environ, KCHECK_WATCHDOG="10"))
    if edit == "model":
        model.write_text(model.read_text() + "\n# edited after the checkpoint\n")
    else:
        data = json.loads(ck.read_text())
        data["pending"] = [[0, 99, 5]]
        ck.write_text(json.dumps(data))


@dataclass
class Case:
    case: str                      # the row of issue 11's table
    args: list                     # kcheck's arguments
    code: int                      # the exit code
    says: str                      # the line it prints (stderr for a note or an error, else stdout's first)
    stream: str = "err"            # where ``says`` is: "err" (the one stderr line) or "out" (stdout's first line)
    setup: Optional[Callable] = None
    stdout_json: bool = False      # --json: stdout is exactly one JSON object
    note: str = ""                 # what the table adds about the rest of the output


CASES = [
    Case("an exception inside `main()`", ["check", f"{C}/main_raises.py"], 2,
         f"kcheck: error: {C}/main_raises.py:8: in main(): KeyError: 'nokey'"),
    Case("an exception inside `main()`, `-j1`", ["check", f"{C}/main_raises.py", "-j1"], 2,
         f"kcheck: error: {C}/main_raises.py:8: in main(): KeyError: 'nokey'"),
    Case("an exception inside `main()`, `--json`", ["check", f"{C}/main_raises.py", "--json"], 2,
         f"kcheck: error: {C}/main_raises.py:8: in main(): KeyError: 'nokey'", stdout_json=True),
    Case("`sys.exit(3)` in a task, `--jobs 2`", ["check", f"{C}/task_exit.py", "--jobs", "2"], 2,
         f"kcheck: error: {C}/task_exit.py:6: in task t: SystemExit: 3"),
    Case("`sys.exit(3)` in a task, `-j1`", ["check", f"{C}/task_exit.py", "-j1"], 2,
         f"kcheck: error: {C}/task_exit.py:6: in task t: SystemExit: 3"),
    Case("a `BaseException` subclass raised in a task, `--jobs 2`",
         ["check", f"{C}/task_base.py", "--jobs", "2"], 2,
         f"kcheck: error: {C}/task_base.py:9: in task t: Boom: custom"),
    Case("`raise KeyboardInterrupt` in a task", ["check", f"{C}/task_kbi.py"], 2,
         f"kcheck: error: {C}/task_kbi.py:5: in task t: KeyboardInterrupt"),
    Case("`--html` into a directory that does not exist",
         ["check", f"{C}/ok.py", "--html", "no/such/dir/r.html"], 2,
         "kcheck: error: --html no/such/dir/r.html: no such directory no/such/dir"),
    Case("`--checkpoint` into a directory that does not exist",
         ["check", f"{C}/ok.py", "--checkpoint", "no/such/dir/ck.json"], 2,
         "kcheck: error: --checkpoint no/such/dir/ck.json: no such directory no/such/dir"),
    Case("`--resume` after the model file was edited",
         ["check", "{tmp}/readers.py", "--resume", "{tmp}/ck.json"], 2,
         "kcheck: error: {tmp}/readers.py: {tmp}/ck.json: the model file changed since this "
         "checkpoint was written; start again without --resume",
         setup=lambda tmp: _checkpoint(tmp, "model")),
    Case("`--resume` with a hand-edited checkpoint",
         ["check", "{tmp}/readers.py", "--resume", "{tmp}/ck.json", "-j2"], 2,
         "kcheck: error: {tmp}/readers.py: {tmp}/ck.json: an edited or damaged checkpoint (its "
         "content does not match the digest kcheck wrote); start again without --resume",
         setup=lambda tmp: _checkpoint(tmp, "pending")),
    Case("`--drop-barrier NAME` that matches no barrier the model executes",
         ["check", f"{C}/ok.py", "--drop-barrier", "smp_mb"], 2,
         "kcheck: error: --drop-barrier smp_mb: matches no barrier the model executed in the 2 "
         "executions explored; it met no barrier kcheck can drop"),
    Case("`--drop-barrier NAME@FUNC` that matches no barrier the model executes",
         ["check", f"{C}/smp_mb.py", "--drop-barrier", "smp_mb@reader"], 2,
         "kcheck: error: --drop-barrier smp_mb@reader: matches no barrier the model executed in "
         "the 2 executions explored; the barriers it met: smp_mb@writer (smp_mb.py:7)"),
    Case("`--drop-barrier` of something that is not a barrier",
         ["check", f"{C}/ok.py", "--drop-barrier", "nosuchbarrier"], 2,
         "kcheck: error: --drop-barrier nosuchbarrier: nosuchbarrier is not a barrier kcheck can "
         "drop (smp_mb, smp_rmb, smp_wmb, smp_mb__before_atomic, smp_mb__after_atomic, "
         "smp_mb__after_spinlock, smp_mb__after_unlock_lock, smp_acquire__after_ctrl_dep, xchg)"),
] + [
    Case(f"`{opt} {val}`", ["check", f"{C}/ok.py", opt, val], 2,
         f"kcheck: error: Invalid value for '{shown}': {num} is not in the range {rng}. "
         "(see: kcheck check --help)")
    for opt, val, shown, num, rng in [
        ("--max-executions", "-5", "--max-executions", "-5", "x>=1"),
        ("--max-executions", "0", "--max-executions", "0", "x>=1"),
        ("--step-bound", "0", "--step-bound", "0", "x>=1"),
        ("--step-bound", "-3", "--step-bound", "-3", "x>=1"),
        ("--preemption-bound", "-1", "--preemption-bound", "-1", "x>=0"),
        ("--executions", "-1", "--executions", "-1", "x>=1"),
        ("--jobs", "0", "--jobs' / '-j", "0", "x>=1"),
        ("--jobs", "-1", "--jobs' / '-j", "-1", "x>=1"),
        ("--checkpoint-every", "0", "--checkpoint-every", "0.0", "x>0"),
        ("--depth", "0", "--depth", "0", "1<=x<=10000"),
    ]
] + [
    Case("`--jobs 1000`", ["check", f"{C}/ok.py", "--jobs", "1000"], 0,
         "kcheck: --jobs 1000 is more than the {cores} cores this process may use: using {cores}",
         note="on stderr; then the result, as fast as with `--jobs N`"),
    Case("`--executions` with `--strategy dpor`", ["check", f"{C}/ok.py", "--executions", "5"], 2,
         "kcheck: error: --executions sets the number of runs of --strategy random/pct; to stop a "
         "dpor exploration early use --max-executions (see: kcheck check --help)"),
    Case("`--max-executions 100` with `--jobs 2` (256 executions in all)",
         ["check", f"{C}/readers.py", "--max-executions", "100", "--jobs", "2"], 0,
         "no bug found: 100 executions (0 blocked), not exhaustive, memory model sc, T s",
         stream="out"),
    Case("`--max-executions 3` with `--jobs 2`",
         ["check", f"{C}/readers.py", "--max-executions", "3", "--jobs", "2"], 0,
         "no bug found: 3 executions (0 blocked), not exhaustive, memory model sc, T s",
         stream="out"),
    Case("`kcheck replay M ''`", ["replay", f"{C}/ok.py", ""], 2,
         f"kcheck: error: {C}/ok.py: empty schedule"),
    Case("`kcheck replay` of a truncated schedule", ["replay", f"{C}/ok.py", "0"], 0,
         f"kcheck: note: {C}/ok.py: the schedule ran out and the tasks went on by themselves "
         "(1 more events): no bug on this interleaving of a changed model, or a truncated "
         "schedule (a bug report's schedule ends at the bug)",
         note="on stderr, after `no bug in this execution (one execution: the schedule's 1 steps, "
              "then the tasks went on (1 more events)) ...`; exit 0: that one execution has no "
              "bug (replaying a bug's schedule against the fixed model is how a fix is checked)"),
    Case("a model that `print()`s, with `--json`", ["check", f"{C}/prints.py", "--json"], 0,
         "main prints too", stdout_json=True,
         note="on stderr, with the model's other lines; stdout is exactly the JSON object"),
    Case("a one-task `while True: atomic_inc(a)`", ["check", f"{C}/livelock.py"], 1,
         "BUG livelock: task t exceeded the step bound (2000 events) without finishing: it does "
         "not terminate, or the bound is too small (--step-bound)", stream="out",
         note="in time linear in the step bound; the trace shows the loop once: `... the step "
              "above, 1998 more times (steps 2-1999)`"),
    Case("`spin_lock(5)`", ["check", f"{C}/spin_lock_int.py"], 2,
         f"kcheck: error: {C}/spin_lock_int.py:6: in task t: spin_lock(5): the argument is an int "
         "(5), which spin_lock() does not work on"),
    Case("`ptr(o, \"y\")` for a missing field", ["check", f"{C}/missing_field.py"], 2,
         f"kcheck: error: {C}/missing_field.py:10: ptr(S#0, 'y'): S has no field 'y' (its fields: a)"),
    Case("`KStruct(nosuch=1)`", ["check", f"{C}/kstruct_field.py"], 2,
         f"kcheck: error: {C}/kstruct_field.py:10: S(nosuch=...): S has no field nosuch (its fields: a)"),
    Case("a binary file", ["check", f"{C}/binary.py"], 2,
         f"kcheck: error: {C}/binary.py:2: not Python source: the file holds a NUL byte (a binary file?)"),
    Case("`xchg(ptr(root.role, \"invalid\"), True)` on a one-bit bitfield",
         ["check", f"{C}/bitfield.py"], 2,
         f"kcheck: error: {C}/bitfield.py:14: address of bit-field requested: "
         "&kvm_mmu_page#0->role.invalid is 1 bit of a word, not an object of its own: an atomic "
         "such as xchg() cannot take it (C: error: address of bit-field requested)"),
]

#: Ctrl-C, which a table cannot run: tests/test_cli_contract.py sends SIGINT.
CTRL_C = ("Ctrl-C (SIGINT) during `kcheck check`, `-j1` or `-j2`", 130,
          "interrupted: the result covers only what was explored before Ctrl-C")


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def expected(case, tmp):
    return case.says.replace("{tmp}", str(tmp)).replace("{cores}", str(cores()))


def run(case, tmp, timeout=120):
    """Run a case; returns (exit code, stdout, stderr, the line it says)."""
    if case.setup is not None:
        case.setup(tmp)
    args = [a.replace("{tmp}", str(tmp)) for a in case.args]
    p = subprocess.run([sys.executable, "-m", "kcheck.cli", *args], capture_output=True, text=True,
                       timeout=timeout, cwd=ROOT, env=dict(os.environ, KCHECK_WATCHDOG="10"))
    lines = (p.stderr if case.stream == "err" else p.stdout).strip().splitlines()
    said = lines[0] if lines else ""
    return p.returncode, p.stdout, p.stderr, normalize(said)


def normalize(line):
    return re.sub(r"\b\d+\.\d+ s\b", "T s", line)


def table():
    """The error-contract table (Markdown) for docs/reference/cli.md."""
    out = ["## Error contract", "",
           "Every bad input, and every fault a model can raise, ends in one line and one of "
           "four exit codes: 0 no bug in the explored space (and the run ended on its own), "
           "1 bug, 2 usage or model error (the line names the file, and the line where there "
           "is one), 130 interrupted. No traceback unless `--debug`. Under `--json`, stdout "
           "is exactly one JSON object whatever happens (what the model prints goes to stderr). "
           "An exception the model raises on some interleaving (of any class: `SystemExit`, "
           "`KeyboardInterrupt`, a `BaseException` subclass) is a model error: its trace is "
           "printed as for a bug, and the line on stderr says where. Each row is run by "
           "`tests/test_cli_contract.py` (`DIR` is a scratch directory, `N` the cores kcheck "
           "may use, `T` seconds).", "",
           "| case | command | exit | what kcheck says |", "|---|---|---|---|"]
    for c in CASES:
        cmd = " ".join(["kcheck"] + [a if a and " " not in a else repr(a) for a in c.args])
        says = c.says.replace("{tmp}", "DIR").replace("{cores}", "N")
        note = f" - {c.note}" if c.note else ""
        out.append(f"| {c.case} | `{cmd.replace('{tmp}', 'DIR')}` | {c.code} | "
                   f"{_md(says)}{note.replace('|', chr(92) + '|')} |")
    case, code, says = CTRL_C
    out.append(f"| {case} | `kcheck check MODEL` | {code} | the result so far, then `{says}` "
               "(with `--json`: the result object, `\"interrupted\": true`) |")
    out.append(f"| SIGTERM (`timeout`, a cancelled CI job) during `kcheck check`, `-j1` or `-j2` "
               f"| `kcheck check MODEL --json` | {code} | as Ctrl-C: the result object so far, "
               "`\"interrupted\": true` |")
    return "\n".join(out) + "\n"


def _md(s):
    return "`" + s.replace("|", "\\|") + "`" if "`" not in s else s.replace("|", "\\|")
