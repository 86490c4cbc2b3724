"""Chapter 4's colon trap is sprung by its hidden test: the course data has no article
title with a colon, so splitting a KB list line on every colon gives the right top
articles there, and fails the hidden test's own lines. (Its how-it-ran check for the top
users is tested in test_course.py.)"""

from __future__ import annotations

NAME = "ch04_pair_rdds"

EVERY_COLON = '''
def title_pairs(lines):
    return lines.map(lambda line: tuple(line.split(":")[:2]))


titles = title_pairs(sc.textFile(str(DATA / "kb" / "kblist.txt")))
kb_counts = (requests.filter(lambda r: r[2].startswith("/KBDOC-"))
                     .map(lambda r: (r[2][1:-len(".html")], 1)).reduceByKey(add))
top_articles = titles.join(kb_counts).values().takeOrdered(3, key=lambda tc: (-tc[1], tc[0]))
'''

LAST_COLON = EVERY_COLON.replace('tuple(line.split(":")[:2])', 'tuple(line.rsplit(":", 1))')


def test_titles_with_a_colon_are_kept_whole(run_variant):
    for answer in (EVERY_COLON, LAST_COLON):
        result = run_variant(NAME, {"ex6-answer": answer}, ["ex6-check"])
        assert "only the first colon ends the doc id" in (result["ex6-check"] or ""), result
