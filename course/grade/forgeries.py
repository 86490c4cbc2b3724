"""A forging student: code that attacks the checks from inside its own kernel.

Each function returns the source of one answer cell of chapter 3 that leaves the answer
wrong and forges its check with one technique, reporting instead the answer the solution
gets on the course data (which a student can copy from a friend's screen, or brute-force
from ``answers.json``: slowly now, see course/checks.py). The sample class of ``make demo``
has one student who uses them all (``samples.py``), and the grading tests use each on its
own (``tests/grade/test_trust.py``). Each of them got the point while the checks judged in
the student's process; under the judge (judge.py) each scores 0, because on the hidden data
the forged value is not what the reference reports.

- ``sys_modules``: a fake ``course.checks`` in ``sys.modules`` (so the hidden tests'
  ``__import__("course.checks")`` gets it) and ``check`` rebound to its forged function;
- ``fake_import``: a global ``builtins.__import__`` that returns the fake checks module;
- ``gc_patch``: the kernel's ``run_part``, found through ``gc``, replaced by a wrapper that
  rewrites every reply: the forged value in the reports, and no error ever;
- ``forged_reply``: a complete "passed" reply, with the forged reports, written straight to
  the kernel's reply channel (found through ``gc``), then the kernel exits so that its own
  reply never comes.

Read next: judge.py (why none of this earns points), samples.py.
"""

from __future__ import annotations

import json

# The public answers of chapter 3 on the course data (tiny, seed 42), as the solution
# prints them. tests/grade/test_trust.py checks they are still what the reference reports.
PUBLIC = {"ch03.n_lines": 9987, "ch03.n_users": 346, "ch03.n_kb_ips": 458,
          "ch03.first_ips": ["58.65.70.203", "58.65.70.203", "160.28.142.20", "160.28.142.20",
                             "214.22.199.223"],
          "ch03.kb_requests": 2408}
# The hidden test of kb_requests compares with this literal: hidden test text reaches the
# student's process (it runs there), so a forger can read it.
KB_SAMPLE = ["KBDOC-00003", "KBDOC-00012"]


def hard_coded(variable: str, name: str, public: dict = PUBLIC) -> str:
    return f"{variable} = {json.dumps(public[name])}    # copied, not computed"


def _fake_module(name: str, value) -> str:
    return f'''import types
from course import reporting
_real = __import__("course.checks", fromlist=["check"])
_fake = types.ModuleType("course.checks")
_fake.__dict__.update(_real.__dict__)

def _forged_check(name, answer, _real=_real, **options):
    if name == {name!r}:                 # report the copied answer instead of mine
        reporting.report("check", name, {json.dumps(value)})
        print(f"✓ {{name}}: correct")
        return None
    return _real.check(name, answer, **options)

_fake.check = _forged_check
check = _forged_check'''


def sys_modules(variable: str, name: str, public: dict = PUBLIC) -> str:
    return f'''{variable} = 0                     # wrong
{_fake_module(name, public[name])}
import sys
sys.modules["course.checks"] = _fake'''


# Exercise 6 asks for a function as well as its count; the forger keeps a working
# function (its hidden test calls it on hand-made lines) and forges only the count.
KB_IPS = '''def kb_ips(lines):
    return (lines.filter(lambda line: '"GET /KBDOC-' in line)
                 .map(lambda line: line.split(" ")[0])
                 .distinct())

'''


def fake_import(variable: str, name: str, public: dict = PUBLIC) -> str:
    return f'''{variable} = 0                     # wrong
{_fake_module(name, public[name])}
import builtins
_real_import = builtins.__import__

def _import(module, *args, _fake=_fake, _real_import=_real_import, **kwargs):
    if module == "course.checks":
        return _fake
    return _real_import(module, *args, **kwargs)

builtins.__import__ = _import'''


def gc_patch(variable: str, name: str, public: dict = PUBLIC) -> str:
    return f'''{variable} = []                    # wrong
import gc
_run_part = next(f for f in gc.get_objects() if getattr(f, "__name__", "") == "run_part"
                 and "serve" in getattr(f, "__globals__", {{}}))

def _forged_run_part(shell, code, _original=_run_part):
    reply = _original(shell, code)
    for report in reply.get("reports", []):
        if report.get("name") == {name!r}:
            report["value"] = {json.dumps(public[name])}
    reply["error"] = None                # and nothing ever fails
    return reply

_run_part.__globals__["run_part"] = _forged_run_part'''


def forged_reply(name: str, public: dict = PUBLIC) -> str:
    """For ex8-answer: ``kb_requests`` is wrong, and its check writes the reply itself."""
    return f'''def kb_requests(lines):
    return lines.filter(lambda line: "KBDOC-" in line)     # wrong: stylesheets count too

import gc, io, json, os, sys
def check(name, answer, _previous_check=check, **options):
    if name != {name!r}:
        return _previous_check(name, answer, **options)
    frame = sys._getframe()
    while frame.f_code.co_name != "serve":
        frame = frame.f_back
    ident = frame.f_locals["command"]["id"]
    channel = next(o for o in gc.get_objects() if isinstance(o, io.TextIOWrapper)
                   and isinstance(o.name, int) and o.name > 2 and o.mode == "w")
    passed = {{"stdout": "", "stderr": "", "result": None, "error": None}}
    mine = {{"kind": "check", "name": name, "value": {json.dumps(public[name])}}}
    same = {{"kind": "same", "name": "same", "value": {json.dumps(KB_SAMPLE)}}}
    channel.write(json.dumps({{"id": ident, "parts": [dict(passed, reports=[mine]),
                                                     dict(passed, reports=[mine, same])]}})
                  + "\\n")
    channel.flush()
    os._exit(0)                          # the kernel's own reply never comes'''


def forger_cells(public: dict = PUBLIC) -> dict[str, str]:
    """grade_id -> forged cell, every technique at once (the demo's forging student)."""
    return {"ex1-answer": hard_coded("n_lines", "ch03.n_lines", public),
            "ex3-answer": gc_patch("first_ips", "ch03.first_ips", public),
            "ex5-answer": sys_modules("n_users", "ch03.n_users", public),
            "ex6-answer": KB_IPS + fake_import("n_kb_ips", "ch03.n_kb_ips", public),
            "ex8-answer": forged_reply("ch03.kb_requests", public)}
