"""Every field of every log line, checked by a parser written independently of the
generator; malformed lines classified and counted against the manifest."""

import collections
import datetime as dt
import math
import re

import pytest

# The 50 handsets, typed in from the course reference (not imported from datagen).
MODELS = (
    [f"Sorrento F{n}L" for n in "00 01 10 11 20 21 22 23 24 30 31 32 33 40 41".split()]
    + [f"iFruit {n}" for n in "1 2 3 3A 4 4A 5 5A".split()]
    + [f"Ronin S{n}" for n in "1234"] + [f"Ronin Novelty Note {n}" for n in "1234"]
    + [f"MeeToo {n}" for n in "1.0 2.0 3.0 3.1 4.0 4.1 5.0 5.1".split()]
    + [f"Titanic {n}" for n in
       "1000 1100 2000 2100 2200 2300 2400 2500 3000 4000 DeckChairs".split()]
)
SLUGS = {m.lower().replace(" ", "_"): m for m in MODELS}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

LINE = re.compile(
    r'(?P<ip>\d{1,3}(?:\.\d{1,3}){3}) - (?P<user>[1-9]\d*) '
    r'\[(?P<dd>\d\d)/(?P<mon>[A-Z][a-z]{2})/(?P<yyyy>\d{4}):(?P<hh>\d\d):(?P<mi>\d\d):(?P<ss>\d\d)'
    r' \+0100\] "GET (?P<path>/[^ "]+) HTTP/1\.0" (?P<status>\d{3}) (?P<bytes>\d+) '
    r'"(?P<ref>[^"]*)"  "(?P<agent>[^"]+)"')
ANDROID = re.compile(r"Mozilla/5\.0 \(Linux; U; Android [\d.]+; en-us; (?P<model>[^;]+?) "
                     r"Build/\w+\) AppleWebKit")
IFRUIT = re.compile(r"Mozilla/5\.0 \((?P<model>iFruit \w+); CPU iFruit OS \d+_\d like Mac")
DESKTOP = re.compile(r"Mozilla/5\.0 \((X11|Windows NT)")
IP_DASH = re.compile(r"\d{1,3}(\.\d{1,3}){3} - ")
MISSING_USER = re.compile(LINE.pattern.replace(r"(?P<user>[1-9]\d*)", "-"))


def read_accounts(root):
    accounts = {}
    for line in (root / "accounts/accounts.csv").read_text().splitlines():
        f = line.split(",")
        assert len(f) == 13, line
        accounts[int(f[0])] = f
    return accounts


def classify(raw: bytes):
    """('good', match) or (kind of bad line, None)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "non_utf8", None
    m = LINE.fullmatch(text)
    if m:
        return "good", m
    if MISSING_USER.fullmatch(text):
        return "missing_user", None
    if IP_DASH.match(text) and not text.endswith('"'):
        return "truncated", None
    return "garbage", None


@pytest.fixture(scope="module")
def parsed(tiny):
    """Every log line parsed: {file: [(kind, match), ...]}."""
    root, _ = tiny
    return {p.name: [classify(raw) for raw in p.read_bytes().split(b"\n")[:-1]]
            for p in sorted((root / "weblogs").iterdir())}


def test_one_file_per_day_named_by_date(tiny):
    root, manifest = tiny
    names = sorted(p.name for p in (root / "weblogs").iterdir())
    assert names == ["2013-09-16.log", "2013-09-17.log", "2013-09-18.log"]
    assert 9_000 <= manifest["weblogs"]["lines"] <= 11_000


def test_every_field_of_every_good_line(tiny, parsed):
    root, manifest = tiny
    accounts = read_accounts(root)
    kb_ids = {line.split(":")[0] for line in (root / "kb/kblist.txt").read_text().splitlines()}
    for name, lines in parsed.items():
        day = dt.date.fromisoformat(name[:10])
        last_time = None
        for kind, m in lines:
            if kind != "good":
                continue
            assert all(0 <= int(o) <= 255 for o in m["ip"].split("."))
            account = accounts[int(m["user"])]
            assert account[2] == r"\N", "closed accounts do not visit"
            assert (int(m["yyyy"]), MONTHS.index(m["mon"]) + 1, int(m["dd"])) == \
                (day.year, day.month, day.day)
            t = (int(m["hh"]), int(m["mi"]), int(m["ss"]))
            assert t[0] < 24 and t[1] < 60 and t[2] < 60
            assert last_time is None or t >= last_time, "lines are in time order"
            last_time = t
            assert 500 <= int(m["bytes"]) <= 20_000
            assert m["ref"] == "-" or m["ref"].startswith("http://")
            path, status = m["path"], m["status"]
            if status == "404":
                assert path.endswith(".html") and path[1:-5] not in kb_ids
            else:
                assert status == "200"
                assert (path in ("/theme.css", "/code.js")
                        or (path.startswith("/KBDOC-") and path[1:-5] in kb_ids)
                        or (path.endswith("_sales.html") and path[1:-11] in SLUGS)
                        or (path.endswith(".jpg") and path[1:-4] in SLUGS)), path
            agent = ANDROID.match(m["agent"]) or IFRUIT.match(m["agent"])
            if int(m["user"]) <= 5:
                assert DESKTOP.match(m["agent"]), "a few low ids are staff on desktops"
            else:
                assert agent and agent["model"] == account[12], (m["agent"], account[12])


def test_bad_lines_counted_exactly_as_the_manifest_says(tiny, parsed):
    _, manifest = tiny
    total = collections.Counter()
    for name, lines in parsed.items():
        counts = collections.Counter(kind for kind, _ in lines if kind != "good")
        expected = manifest["files"][f"weblogs/{name}"]["bad_lines"]
        assert counts == collections.Counter({k: v for k, v in expected.items() if v})
        good = sum(1 for kind, _ in lines if kind == "good")
        assert sum(counts.values()) == round(good * 0.001), "the default fraction, per file"
        total += counts
    assert sum(total.values()) == sum(manifest["weblogs"]["bad_lines"].values())
    assert set(total) == {"truncated", "missing_user", "garbage", "non_utf8"}


def test_html_css_jpg_relations(parsed):
    for lines in parsed.values():
        ext = collections.Counter(m["path"].rsplit(".", 1)[1] for k, m in lines if k == "good")
        assert ext["html"] == ext["css"] > 0
        assert ext["jpg"] == ext["js"] > 0
        sales = sum(1 for k, m in lines if k == "good" and m["path"].endswith("_sales.html")
                    and m["status"] == "200")
        assert ext["jpg"] == sales
        assert sum(1 for k, m in lines if k == "good" and m["status"] == "404") > 0


def test_heavy_users_and_a_long_tail(parsed):
    per_user = collections.Counter(m["user"] for lines in parsed.values()
                                   for k, m in lines if k == "good")
    counts = sorted(per_user.values(), reverse=True)
    top = math.ceil(len(counts) / 100)
    assert sum(counts[:top]) >= 0.20 * sum(counts)
    assert sum(1 for c in counts if c <= 10) > len(counts) / 4, "a long tail of light users"


def test_articles_are_skewed(parsed):
    views = collections.Counter(m["path"] for lines in parsed.values() for k, m in lines
                                if k == "good" and m["path"].startswith("/KBDOC-"))
    counts = sorted(views.values(), reverse=True)
    assert sum(counts[:len(counts) // 10]) >= 0.25 * sum(counts)


def test_users_keep_a_phone_and_mostly_an_ip(parsed):
    agents, ips = collections.defaultdict(set), collections.defaultdict(collections.Counter)
    for lines in parsed.values():
        for k, m in lines:
            if k == "good":
                agents[m["user"]].add(m["agent"])
                ips[m["user"]][m["ip"]] += 1
    assert all(len(a) == 1 for a in agents.values())
    assert all(len(c) <= 3 for c in ips.values())
    busy = [c for c in ips.values() if sum(c.values()) >= 100]
    assert busy and all(c.most_common(1)[0][1] >= 0.75 * sum(c.values()) for c in busy)


def test_a_daily_rhythm(parsed):
    hours = collections.Counter(int(m["hh"]) for lines in parsed.values()
                                for k, m in lines if k == "good")
    assert sum(hours[h] for h in (18, 19, 20)) > 4 * sum(hours[h] for h in (2, 3, 4))


def test_log_users_are_open_accounts_and_some_accounts_never_visit(tiny, parsed):
    root, _ = tiny
    accounts = read_accounts(root)
    assert sorted(accounts) == list(range(1, len(accounts) + 1))
    users = {int(m["user"]) for lines in parsed.values() for k, m in lines if k == "good"}
    assert users <= set(accounts)
    closed = {n for n, f in accounts.items() if f[2] != r"\N"}
    assert closed and not users & closed
    for f in accounts.values():
        assert f[12] in MODELS
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", f[1])
        assert re.fullmatch(r"\d{5}", f[8]) and re.fullmatch(r"\d{3}-\d{3}-\d{4}", f[9])
        assert f[3] and f[4] and f[5] and f[6] and re.fullmatch(r"[A-Z]{2}", f[7])
