"""Traps the labs name, made certain at every seed, changing nothing where chance placed them.

A lab that warns about a trap must be able to catch a student who falls into it, on the
course's seed and on any seed a grader picks. Most traps come from how the data is shaped
and are there at every seed by construction: bad lines of every kind (``badlines.py``
deals the kinds out in turn), ``/theme.css`` as the hot key and as the referrer trap of
the KB requests, requests for missing articles (404s), ZIP codes starting with 0. Three
hang on chance, and this module makes them certain:

- **An open account with the phone that is almost a target.** ``"iFruit 3"`` is a target
  model and ``"iFruit 3A"`` is not (``models.TARGET_MODELS``); a substring test keeps the
  3A lines only if some customer has a 3A. ``ensure_model`` gives one to the first open,
  non-staff account when no open account has one.
- **Lines from that customer.** Visitors are drawn by popularity, so a rare customer may
  make no request. ``day_visits`` counts the visits of ``TRAP_MODEL`` customers; when a
  whole data set has none, ``pipeline.generate`` writes its first day again with one
  article visit by such a customer (``trap_visit``) put in front.
- **A report without a GPS fix.** ``devices.device_lines`` turns its last report into a
  no-fix report ``0.000000,0.000000`` when chance gave none.

Each fix-up runs only when its trap is missing, so a seed whose data already springs
every trap (the course's seed 42 does) gives the same bytes as before.

Key terms: *trap* — a detail of the data that a plausible wrong program gets wrong while a
right one does not; *spring* — a data set springs a trap when the two programs' answers
differ on it.

Read next: ``weblogs.py`` (where the visits are drawn), ``pipeline.py``.
"""

from __future__ import annotations

from datagen.accounts import STAFF_IDS, Account

TRAP_MODEL = "iFruit 3A"      # not a target model, but a substring of one ("iFruit 3")


def ensure_model(accounts: list[Account], model: str = TRAP_MODEL) -> list[Account]:
    """``accounts``, with ``model`` given to the first open non-staff account if no open
    account has it (the list is returned unchanged otherwise).

    >>> a = Account(1, "c", None, "A", "B", "st", "city", "CA", "90001", "p", "m", "Ronin S1")
    >>> [x.model for x in ensure_model([a, a._replace(acct_num=2000)])]
    ['Ronin S1', 'iFruit 3A']
    >>> b = a._replace(acct_num=2001, model="iFruit 3A")
    >>> ensure_model([a, b]) == [a, b]
    True
    """
    if any(a.closed is None and a.model == model for a in accounts):
        return accounts
    out = list(accounts)
    for i, a in enumerate(out):
        if a.closed is None and a.acct_num not in STAFF_IDS:
            out[i] = a._replace(model=model)
            return out
    return out


def trap_visit(first_chunk: str, head: str, kb_request: str, kb_url: str, tail: str) -> str:
    """An article visit (the page, then its style sheet) by the user of ``head`` and
    ``tail``, at the second of ``first_chunk``, the day's first visit, so that the file
    stays in time order.

    >>> first = '1.1.1.1 - 5 [16/Sep/2013:00:00:07 +0100] "GET /a HTTP/1.0" 200 1 "-"  "u"\\n'
    >>> visit = trap_visit(first, "2.2.2.2 - 9 [", '"GET /KBDOC-1.html HTTP/1.0" 200 99 "',
    ...                    "/KB-1.html", '"  "ua"\\n')
    >>> print(visit, end="")
    2.2.2.2 - 9 [16/Sep/2013:00:00:07 +0100] "GET /KBDOC-1.html HTTP/1.0" 200 99 "-"  "ua"
    2.2.2.2 - 9 [16/Sep/2013:00:00:07 +0100] "GET /theme.css HTTP/1.0" 200 2412 "/KB-1.html"  "ua"
    """
    moment = first_chunk[first_chunk.index("[") + 1:first_chunk.index("] ") + 2]
    start = head + moment
    css = '"GET /theme.css HTTP/1.0" 200 2412 "'
    return f"{start}{kb_request}-{tail}{start}{css}{kb_url}{tail}"
