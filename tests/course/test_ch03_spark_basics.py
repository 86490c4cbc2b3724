"""Chapter 3's traps are sprung by its hidden tests: a user id check that trusts
``str.isdigit()`` (true for digits of other scripts, and ``int()`` reads some of them),
and KB requests judged by the whole line, which also counts the IPs that only named an
article in their referrer. Each wrong way passes the visible check on the course data
(the data has neither trap) and fails the hidden tests with their message."""

from __future__ import annotations

NAME = "ch03_spark_basics"

ISDIGIT = '''
def user_id(line):
    fields = line.split(" ")
    if len(fields) > 2 and fields[2].isdigit():
        return int(fields[2])
    return None
'''

TRY_INT = '''
def user_id(line):
    try:
        return int(line.split(" ")[2])
    except (IndexError, ValueError):
        return None
'''

WHOLE_LINE = '''
def kb_ips(lines):
    return lines.filter(lambda line: "KBDOC" in line).map(lambda l: l.split(" ")[0]).distinct()


n_kb_ips = kb_ips(logs).count()
'''

REFERRER_TOO = '''
def kb_ips(lines):
    return (lines.filter(lambda line: "/KBDOC-" in line and ".html" in line)
            .map(lambda l: l.split(" ")[0]).distinct())


n_kb_ips = kb_ips(logs).count()
'''


def test_hidden_tests_spring_the_traps(run_variant):
    for digits, kb, why in ((ISDIGIT, WHOLE_LINE, "Arabic-Indic digits are not 0-9"),
                            (TRY_INT, REFERRER_TOO, "Arabic-Indic digits are not 0-9")):
        result = run_variant(NAME, {"ex4-answer": digits, "ex6-answer": kb},
                             ["ex4-check", "ex6-check"])
        assert why in (result["ex4-check"] or ""), result["ex4-check"]
        assert "named an article in its referrer only" in (result["ex6-check"] or ""), result
