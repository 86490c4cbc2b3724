"""Web-server logs: one file per day, one line per request, in time order.

The labs' main data set. A line looks like this (Apache's "combined" format, with the
account number where Apache writes the user name, and — as in the original course's
data — *two* spaces before the user agent, so ``line.split(" ")`` and ``line.split()``
give different tokens)::

    227.35.151.122 - 184 [16/Sep/2013:00:03:51 +0100] "GET /KBDOC-00183.html HTTP/1.0" 200
    14417 "http://www.fernhill.example/kb/"  "Mozilla/5.0 (Linux; U; ... MeeToo 4.1 ...)"

(one line, wrapped here).
Fields: IP, ``-``, user id (the 3rd token), time, request, status, bytes, referrer, user agent.

How the traffic is shaped (each rule makes some lab's answer interesting):

- **Visits, not lines.** A customer reading an article makes 2 requests (the page and
  ``/theme.css``); looking at a phone for sale makes 4 (``/<slug>_sales.html``, the css,
  ``/code.js`` and ``/<slug>.jpg``); a missing page makes 2 (the 404 and the css of the
  error page). So in every file ``.html`` count == ``.css`` count, and ``.jpg`` ==
  ``.js`` == product views — relations the accumulator lab can check.
- **Skew.** Users are ranked at random and chosen with Zipf-like weights: a handful of
  heavy users and a long tail. Articles are skewed the same way, and half the time a
  user reads about their own phone.
- **A daily rhythm.** Visits are spread over the hours by fixed weights: quiet at
  4 am, busiest in the evening. All lines of a visit share its second.
- **Stable identities.** A user keeps one handset (the one in the accounts file, named
  in the user agent) and mostly one IP address (90%), sometimes one of two others.

Speed: everything that can be a string is made once (``Plan``); a visit is a few random
numbers and one string concatenation; a day is joined and written in one call. About
a million lines take a few seconds on one core.

Read next: ``badlines.py`` (malformed lines mixed in), ``pipeline.py`` (days in parallel).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from itertools import accumulate

from datagen import badlines, traps
from datagen.accounts import STAFF_IDS, Account
from datagen.kb import Article
from datagen.models import RUMOURED, STAFF_AGENTS, all_models, slug, user_agent
from datagen.rand import public_ip, substream, zipf_cum_weights, zipf_weight

SITE = "http://www.fernhill.example"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ZONE = "+0100"
# Relative traffic per hour of the day, 00h..23h.
HOURLY = [5, 3, 2, 1, 1, 2, 4, 7, 10, 12, 13, 13, 14, 13, 12, 12, 13, 15, 18, 20, 19, 15, 11, 7]
P_MISSING = 0.03        # share of visits that ask for a page that does not exist
P_PRODUCT = 0.35        # share of visits to a sales page
LINES_PER_VISIT = 2 * (1 - P_PRODUCT) + 4 * P_PRODUCT
P_OWN_MODEL = 0.5       # a user reads about their own phone this often
P_MAIN_IP = 0.9
REFERRERS = ["-", "-", f"{SITE}/", f"{SITE}/kb/", f"{SITE}/phones/",
             "http://search.example/?q=phone+help", "http://forum.example/t/9911"]


def _request(path: str, status: int, size: int) -> str:
    """The middle of a line: request, status, bytes and the opening quote of the referrer."""
    return f'"GET {path} HTTP/1.0" {status} {size} "'


@dataclass
class Plan:
    """Every precomputed string and weight a day of logs needs (picklable for workers)."""

    seed: int
    users_head: list[tuple[str, str, str]]      # per user: 'ip - id [' for main + 2 other IPs
    users_tail: list[str]                        # per user: '"  "<agent>"\n'
    users_model: list[int]                       # per user: index into models
    users_cum: list[float]                       # Zipf weights over users
    kb_req: list[str]
    kb_url: list[str]
    kb_cum: list[float]
    kb_by_model: list[list[int]]
    sales_req: list[str]
    sales_url: list[str]
    jpg_req: list[str]
    sales_cum: list[float]
    missing_req: list[str]
    missing_url: list[str]
    css_req: str = ""
    js_req: str = ""
    error_css_req: str = ""
    trap_users: frozenset[int] = frozenset()     # users whose phone is traps.TRAP_MODEL
    clock: list[str] = field(default_factory=list, repr=False)


def make_plan(seed: int, accounts: list[Account], articles: list[Article]) -> Plan:
    """Build the strings and weights of the whole web site and its visitors, once."""
    rng = substream(seed, "weblogs-plan")
    models = all_models()
    model_index = {name: i for i, name in enumerate(models)}
    agents = [f'"  "{user_agent(name)}"\n' for name in models]

    # Users: the open accounts, in a random popularity order.
    active = [a for a in accounts if a.closed is None]
    rng.shuffle(active)
    heads, tails, user_models = [], [], []
    for a in active:
        ips = (public_ip(rng), public_ip(rng), public_ip(rng))
        heads.append(tuple(f"{ip} - {a.acct_num} [" for ip in ips))
        if a.acct_num in STAFF_IDS:
            tails.append(f'"  "{STAFF_AGENTS[a.acct_num % len(STAFF_AGENTS)]}"\n')
        else:
            tails.append(agents[model_index[a.model]])
        user_models.append(model_index[a.model])

    # Articles: fixed page sizes, a random popularity order.
    kb_req = [_request(f"/{a.docid}.html", 200, rng.randint(4000, 20000)) for a in articles]
    kb_url = [f"{SITE}/{a.docid}.html" for a in articles]
    kb_order = list(range(len(articles)))
    rng.shuffle(kb_order)                     # kb_order[rank] = the article of that rank
    kb_weight = [0.0] * len(articles)
    for rank, art in enumerate(kb_order, start=1):
        kb_weight[art] = zipf_weight(rank)
    kb_cum = list(accumulate(kb_weight))
    kb_by_model: list[list[int]] = [[] for _ in models]
    for i, a in enumerate(articles):
        kb_by_model[model_index[a.model]].append(i)

    sales_req, sales_url, jpg_req = [], [], []
    for name in models:
        sales_req.append(_request(f"/{slug(name)}_sales.html", 200, rng.randint(3000, 12000)))
        sales_url.append(f"{SITE}/{slug(name)}_sales.html")
        jpg_req.append(_request(f"/{slug(name)}.jpg", 200, rng.randint(9000, 20000)))
    sales_cum = list(accumulate(float(rng.randint(1, 8)) for _ in models))

    missing = [f"/KBDOC-{n:05d}.html" for n in range(len(articles) + 1, len(articles) + 41)]
    missing += [f"/{slug(name)}_sales.html" for name in RUMOURED]
    return Plan(
        seed=seed, users_head=heads, users_tail=tails, users_model=user_models,
        users_cum=zipf_cum_weights(len(active)),
        kb_req=kb_req, kb_url=kb_url, kb_cum=kb_cum, kb_by_model=kb_by_model,
        sales_req=sales_req, sales_url=sales_url, jpg_req=jpg_req, sales_cum=sales_cum,
        missing_req=[_request(p, 404, 512) for p in missing],
        missing_url=[f"{SITE}{p}" for p in missing],
        css_req=_request("/theme.css", 200, 2412), js_req=_request("/code.js", 200, 6130),
        error_css_req=_request("/theme.css", 200, 2412),
        trap_users=frozenset(i for i, m in enumerate(user_models)
                             if models[m] == traps.TRAP_MODEL),
    )


def clock_strings() -> list[str]:
    """``"HH:MM:SS +0100] "`` for every second of a day, made once per process.

    >>> c = clock_strings()
    >>> len(c), c[0], c[3661]
    (86400, '00:00:00 +0100] ', '01:01:01 +0100] ')
    """
    return [f"{h:02d}:{m:02d}:{s:02d} {ZONE}] " for h in range(24) for m in range(60)
            for s in range(60)]


def day_prefix(day: dt.date) -> str:
    """The date part of a log timestamp, in the fixed English month names (no locale).

    >>> day_prefix(dt.date(2013, 9, 16))
    '16/Sep/2013:'
    """
    return f"{day.day:02d}/{MONTHS[day.month - 1]}/{day.year}:"


def day_visits(plan: Plan, day: dt.date, n_lines: int) -> tuple[list[str], int, int]:
    """Generate one day's visits in time order: a list of text chunks, their line count,
    and how many of the visits are by users of ``traps.TRAP_MODEL``.

    Each chunk is one visit: 2 or 4 complete lines that share a timestamp.
    """
    if not plan.clock:
        plan.clock = clock_strings()
    rng = substream(plan.seed, f"weblogs-{day.isoformat()}")
    rand = rng.random
    n_visits = max(1, round(n_lines / LINES_PER_VISIT))
    hours = rng.choices(range(24), cum_weights=list(accumulate(HOURLY)), k=n_visits)
    seconds = sorted([h * 3600 + int(rand() * 3600) for h in hours])
    users = rng.choices(range(len(plan.users_head)), cum_weights=plan.users_cum, k=n_visits)
    trap_visits = sum(u in plan.trap_users for u in users) if plan.trap_users else 0
    popular_kb = rng.choices(range(len(plan.kb_req)), cum_weights=plan.kb_cum, k=n_visits)
    popular_sales = rng.choices(range(len(plan.sales_req)), cum_weights=plan.sales_cum,
                                k=n_visits)
    prefix, clock = day_prefix(day), plan.clock
    heads, tails, umodel = plan.users_head, plan.users_tail, plan.users_model
    kb_req, kb_url, kb_by_model = plan.kb_req, plan.kb_url, plan.kb_by_model
    sales_req, sales_url, jpg_req = plan.sales_req, plan.sales_url, plan.jpg_req
    missing_req, missing_url, n_missing = plan.missing_req, plan.missing_url, len(plan.missing_req)
    css, js, ecss = plan.css_req, plan.js_req, plan.error_css_req
    refs, n_refs = REFERRERS, len(REFERRERS)
    p_product = P_MISSING + P_PRODUCT

    chunks = []
    append = chunks.append
    lines = 0
    for i in range(n_visits):
        u = users[i]
        r = rand()
        head = heads[u][0] if r < P_MAIN_IP else heads[u][1 if r < 0.95 else 2]
        start = head + prefix + clock[seconds[i]]
        tail = tails[u]
        ref = refs[int(rand() * n_refs)]
        kind = rand()
        if kind < P_MISSING:
            m = int(rand() * n_missing)
            append(f"{start}{missing_req[m]}{ref}{tail}{start}{ecss}{missing_url[m]}{tail}")
            lines += 2
        elif kind < p_product:
            p = umodel[u] if rand() < 0.3 else popular_sales[i]
            url = sales_url[p]
            append(f"{start}{sales_req[p]}{ref}{tail}{start}{css}{url}{tail}"
                   f"{start}{js}{url}{tail}{start}{jpg_req[p]}{url}{tail}")
            lines += 4
        else:
            own = kb_by_model[umodel[u]]
            a = own[int(rand() * len(own))] if own and rand() < P_OWN_MODEL else popular_kb[i]
            append(f"{start}{kb_req[a]}{ref}{tail}{start}{css}{kb_url[a]}{tail}")
            lines += 2
    return chunks, lines, trap_visits


@dataclass
class DayResult:
    """What writing one day produced: for the manifest."""

    path: str
    lines: int
    sha256: str
    bad: dict[str, int]
    trap_visits: int = 0


def write_day(plan: Plan, day: dt.date, n_lines: int, bad_fraction: float,
              path: str, force_trap: bool = False) -> DayResult:
    """Generate one day (visits plus malformed lines) and write it to ``path`` in one go.

    ``force_trap``: put an article visit by a ``traps.TRAP_MODEL`` user in front of the
    day's visits if it has none (``pipeline.generate`` asks for it when no day had one).
    """
    chunks, lines, trap_visits = day_visits(plan, day, n_lines)
    if force_trap and not trap_visits and plan.trap_users and chunks:
        u = min(plan.trap_users)
        chunks.insert(0, traps.trap_visit(chunks[0], plan.users_head[u][0], plan.kb_req[0],
                                          plan.kb_url[0], plan.users_tail[u]))
        lines, trap_visits = lines + 2, 1
    rng = substream(plan.seed, f"badlines-{day.isoformat()}")
    pieces, bad = badlines.mix_in(chunks, lines, bad_fraction, rng, day.toordinal())
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for piece in pieces:
            f.write(piece)
            digest.update(piece)
    return DayResult(path, lines + sum(bad.values()), digest.hexdigest(), bad, trap_visits)


def split_lines(n_lines: int, n_days: int) -> list[int]:
    """Share ``n_lines`` among days (the first days get the remainder).

    >>> split_lines(10, 3)
    [4, 3, 3]
    """
    base, extra = divmod(n_lines, n_days)
    return [base + (1 if i < extra else 0) for i in range(n_days)]
