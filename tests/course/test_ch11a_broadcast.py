"""Chapter 11a's execution-aware checks fail, with a message that teaches, when the right
answer is computed the wrong way: a lookup table captured in the closure (the one given,
or a copy made from it) instead of broadcast, a broadcast filter or lookup followed by a
needless shuffle or done by a join, and a "join" that is really a dictionary lookup, or a
lookup followed by a shuffle that is not the join. Each check meets two wrong ways."""

from __future__ import annotations

NAME = "ch11a_broadcast"

CLOSURE_FILTER = '''
def target_lines(sc, lines, models):
    wanted = set(models)            # captured in the closure, not broadcast
    return lines.filter(lambda line: parse(line) is not None
                        and model_of(parse(line)[2]) in wanted)
'''

BROADCAST_THEN_SHUFFLE = '''
def target_lines(sc, lines, models):
    models_bc = sc.broadcast(set(models))
    kept = lines.filter(lambda line: parse(line) is not None
                        and model_of(parse(line)[2]) in models_bc.value)
    return kept.repartition(2)      # a shuffle for nothing
'''

CLOSURE_TITLES = '''
def read_titles(path):
    with open(path) as f:
        return dict(line.rstrip("\\n").split(":", 1) for line in f if line.strip())


titles = read_titles(DATA / "kb" / "kblist.txt")

def titles_by_broadcast(sc, lines, titles):
    def lookup(line):               # `titles` is pickled into the closure
        request = parse(line)
        if request is None or not request[1].startswith("/KBDOC-"):
            return []
        title = titles.get(request[1][1:-len(".html")])
        return [] if title is None else [(request[0], title)]
    return lines.flatMap(lookup)
'''

BROADCAST_BUT_A_COPY = '''
def read_titles(path):
    with open(path) as f:
        return dict(line.rstrip("\\n").split(":", 1) for line in f if line.strip())


titles = read_titles(DATA / "kb" / "kblist.txt")

def titles_by_broadcast(sc, lines, titles):
    titles_bc = sc.broadcast(titles)
    wanted = dict(titles_bc.value)  # a copy, made on the driver: captured
    def lookup(line):
        request = parse(line)
        if request is None or not request[1].startswith("/KBDOC-"):
            return []
        title = wanted.get(request[1][1:-len(".html")])
        return [] if title is None else [(request[0], title)]
    return lines.flatMap(lookup)
'''

LOOKUP_NOT_JOIN = '''
def read_pages(sc, path):
    return sc.textFile(path).filter(lambda l: l.strip()).map(lambda l: tuple(l.split(":", 1)))


pages = read_pages(sc, str(DATA / "kb" / "kblist.txt"))

def titles_by_join(lines, pages):   # the right pairs, but no join: no shuffle
    return titles_by_broadcast(sc, lines, dict(pages.collect()))
'''

LOOKUP_THEN_SHUFFLE = '''
def read_pages(sc, path):
    return sc.textFile(path).filter(lambda l: l.strip()).map(lambda l: tuple(l.split(":", 1)))


pages = read_pages(sc, str(DATA / "kb" / "kblist.txt"))

def titles_by_join(lines, pages):   # a lookup, then a shuffle that is not the join
    return titles_by_broadcast(sc, lines, dict(pages.collect())).repartition(3)
'''

KEPT = ["ex1-answer", "ex3-answer", "ex4-check", "ex4-how", "ex6-check", "ex6-how",
        "ex7-check", "ex7-how"]


def test_wrong_ways_fail_the_how_checks_with_a_reason(run_variant):
    result = run_variant(NAME, {"ex4-answer": CLOSURE_FILTER, "ex6-answer": CLOSURE_TITLES,
                                "ex7-answer": LOOKUP_NOT_JOIN}, KEPT)
    # The answers themselves are right...
    assert result["ex4-check"] is None and result["ex6-check"] is None
    assert result["ex7-check"] is None
    # ... and the way they were computed is not.
    assert "CheckError" in result["ex4-how"] and "closure" in result["ex4-how"]
    assert "CheckError" in result["ex6-how"] and "carries a copy" in result["ex6-how"]
    assert "CheckError" in result["ex7-how"] and "looked up in a dict" in result["ex7-how"]


def test_other_wrong_ways_fail_them_too(run_variant):
    result = run_variant(NAME, {"ex4-answer": BROADCAST_THEN_SHUFFLE,
                                "ex6-answer": BROADCAST_BUT_A_COPY,
                                "ex7-answer": LOOKUP_THEN_SHUFFLE}, KEPT)
    assert result["ex4-check"] is None and result["ex6-check"] is None, result
    assert result["ex7-check"] is None, result
    assert "CheckError" in result["ex4-how"] and "narrow" in result["ex4-how"]
    assert "CheckError" in result["ex6-how"] and "a dict made from it" in result["ex6-how"]
    assert "CheckError" in result["ex7-how"] and "reads only the logs" in result["ex7-how"]


EVERY_COLON = '''
def read_titles(path):
    titles = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                docid, title = line.rstrip("\\n").split(":")[:2]   # cuts at the 2nd colon
                titles[docid] = title
    return titles


titles = read_titles(DATA / "kb" / "kblist.txt")

def titles_by_broadcast(sc, lines, titles):
    titles_bc = sc.broadcast(titles)
    def lookup(line):
        request = parse(line)
        if request is None or not request[1].startswith("/KBDOC-"):
            return []
        title = titles_bc.value.get(request[1][1:-len(".html")])
        return [] if title is None else [(request[0], title)]
    return lines.flatMap(lookup)
'''

EVERY_COLON_PAGES = '''
def read_pages(sc, path):                  # a 3-field tuple when a title has a colon
    return sc.textFile(path).filter(lambda l: l.strip()).map(lambda l: tuple(l.split(":")))


pages = read_pages(sc, str(DATA / "kb" / "kblist.txt"))

def titles_by_join(lines, pages):
    def article(line):
        request = parse(line)
        if request is None or not request[1].startswith("/KBDOC-"):
            return []
        return [(request[1][1:-len(".html")], request[0])]
    return lines.flatMap(article).join(pages).map(lambda kv: kv[1])
'''


def test_titles_with_a_colon_are_kept_whole(run_variant):
    result = run_variant(NAME, {"ex6-answer": EVERY_COLON, "ex7-answer": EVERY_COLON_PAGES},
                         ["ex1-answer", "ex3-answer", "ex6-check", "ex7-check"])
    assert "only the first colon ends the doc id" in (result["ex6-check"] or ""), result
    assert "only the first colon ends the doc id" in (result["ex7-check"] or ""), result
