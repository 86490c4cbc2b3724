"""Customer accounts: who the users in the web logs are.

The accounts file is the other side of the labs' first *join*: a log line carries only an
account number (the user id), and the names, addresses and phones live here. Every user
id that appears in the logs is an account number in this file; some accounts never
visit the site, and closed accounts stop visiting before the logs begin, so an inner
join, a left join and a filter on "still open" all give different, checkable answers.

Columns (comma-separated, no header line, ``\\N`` for "no value", as a database export)::

    acct_num, acct_create_dt, acct_close_dt, first_name, last_name, address, city,
    state, zipcode, phone_number, created, modified, device_model

Key terms
- **vocabulary**: names, streets, towns and phone prefixes drawn from ``faker`` *once*
  (a few thousand calls), then combined by our own seeded random stream for every
  account. Calling faker per record would be a hundred times slower, and its lists
  change between releases, which is why the project pins its exact version.
- **staff**: the first few account numbers belong to the company's own staff; their log
  lines come from desktop browsers.

Read next: ``weblogs.py``, which gives each open account a share of the traffic.
"""

from __future__ import annotations

import datetime as dt
import random
from itertools import accumulate
from typing import NamedTuple

from datagen.models import all_models
from datagen.rand import substream

COLUMNS = ["acct_num", "acct_create_dt", "acct_close_dt", "first_name", "last_name",
           "address", "city", "state", "zipcode", "phone_number", "created", "modified",
           "device_model"]
STAFF_IDS = range(1, 6)      # accounts 1..5 are staff
CLOSED_SHARE = 0.12          # about one account in eight is closed
FIRST_ACCOUNT_DAY = dt.date(2008, 10, 1)


class Account(NamedTuple):
    """One customer; ``closed`` is ``None`` for an open account."""

    acct_num: int
    created: str
    closed: str | None
    first_name: str
    last_name: str
    address: str
    city: str
    state: str
    zipcode: str
    phone: str
    modified: str
    model: str


class Vocabulary(NamedTuple):
    """Lists of realistic values, built once from faker."""

    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    places: list[tuple[str, str, str]]   # (city, state, zip)
    phone_prefixes: list[str]


def build_vocabulary(seed: int) -> Vocabulary:
    """Draw names, street addresses, towns and phone prefixes from a seeded faker.

    The only place faker is called; commas are removed so the CSV stays simple.
    """
    from faker import Faker  # imported here: only this function needs it (0.3 s)

    fake = Faker("en_US")
    fake.seed_instance(seed)

    def clean(text: str) -> str:
        return text.replace(",", "").replace("\n", " ")

    first = [clean(fake.first_name()) for _ in range(1000)]
    last = [clean(fake.last_name()) for _ in range(1000)]
    streets = [clean(fake.street_address()) for _ in range(2000)]
    places = []
    for _ in range(400):
        state = fake.state_abbr(include_territories=False,
                                include_freely_associated_states=False)
        places.append((clean(fake.city()), state, fake.zipcode_in_state(state)))
    prefixes = [fake.numerify("%##-%##") for _ in range(300)]
    return Vocabulary(first, last, streets, places, prefixes)


def _stamp(rng: random.Random, day: dt.date) -> str:
    """``YYYY-MM-DD HH:MM:SS`` at a random second of ``day`` (integer arithmetic only)."""
    s = rng.randrange(86400)
    return f"{day.isoformat()} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"


def model_weights(rng: random.Random) -> list[int]:
    """How popular each handset is among customers: a whole number 1..6 per model."""
    return [rng.randint(1, 6) for _ in all_models()]


def build_accounts(seed: int, n_accounts: int, logs_start: dt.date,
                   vocab: Vocabulary | None = None) -> list[Account]:
    """Make ``n_accounts`` accounts numbered 1..n, created before ``logs_start``.

    Closed accounts were closed before the logs begin; staff accounts are always open.

    >>> accts = build_accounts(7, 50, dt.date(2013, 9, 16))
    >>> [a.acct_num for a in accts[:3]], all(a.created < "2013-09-16" for a in accts)
    ([1, 2, 3], True)
    """
    vocab = vocab or build_vocabulary(seed)
    rng = substream(seed, "accounts")
    models = all_models()
    cum = list(accumulate(model_weights(rng)))
    first_day = FIRST_ACCOUNT_DAY.toordinal()
    last_day = logs_start.toordinal() - 1
    accounts = []
    for acct in range(1, n_accounts + 1):
        created_day = rng.randint(first_day, last_day - 60)
        created = _stamp(rng, dt.date.fromordinal(created_day))
        closed = None
        if acct not in STAFF_IDS and rng.random() < CLOSED_SHARE:
            closed_day = rng.randint(created_day + 30, last_day)
            closed = _stamp(rng, dt.date.fromordinal(closed_day))
        modified = closed or _stamp(rng, dt.date.fromordinal(rng.randint(created_day,
                                                                         last_day)))
        city, state, zipcode = rng.choice(vocab.places)
        accounts.append(Account(
            acct, created, closed, rng.choice(vocab.first_names), rng.choice(vocab.last_names),
            rng.choice(vocab.streets), city, state, zipcode,
            f"{rng.choice(vocab.phone_prefixes)}-{rng.randrange(10000):04d}",
            max(modified, created),
            rng.choices(models, cum_weights=cum)[0]))
    return accounts


def accounts_csv_lines(accounts: list[Account]) -> list[str]:
    """The CSV lines of the accounts file, each ending in a newline.

    >>> a = Account(3, "2010-01-02 03:04:05", None, "Ann", "Lee", "1 Elm St", "Fresno",
    ...             "CA", "93650", "559-555-0100", "2012-05-06 07:08:09", "iFruit 3A")
    >>> fields = accounts_csv_lines([a])[0].rstrip("\\n").split(",")
    >>> len(fields), fields[2], fields[10:]
    (13, '\\\\N', ['2010-01-02 03:04:05', '2012-05-06 07:08:09', 'iFruit 3A'])
    """
    return [f"{a.acct_num},{a.created},{a.closed or chr(92) + 'N'},{a.first_name},"
            f"{a.last_name},{a.address},{a.city},{a.state},{a.zipcode},{a.phone},"
            f"{a.created},{a.modified},{a.model}\n" for a in accounts]
