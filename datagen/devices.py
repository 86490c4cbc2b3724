"""Device status reports: where phones are, for the k-means lab.

Each handset now and then reports its state to the company. One report per line,
comma-separated::

    2013-09-16 08:14:03,Sorrento F41L,5b2c0d1e-...,<nine readings>,37.774912,-122.419416

Fields: time, model, device id, nine readings, latitude, longitude. Two details make
the file a good exercise rather than a toy:

- **The readings' order depends on the maker** (each maker's firmware sends them its own
  way); the manifest gives the order per maker. A parser must look up the maker first.
- **No fix, no position.** When GPS is off the phone reports ``0.000000,0.000000``; those
  points must be filtered out before clustering, or one "cluster" lands in the ocean
  off West Africa. There is always at least one (the last report, if chance made none).

The positions cluster around a few metropolitan areas of the western United States,
with bell-shaped scatter, so k-means has real clusters to find.

Key terms: *device id* — a random UUID-like string, fixed per account's handset.

Read next: ``pipeline.py`` (which writes this file), ``manifest.py``.
"""

from __future__ import annotations

import datetime as dt

from datagen.accounts import Account
from datagen.models import CATALOGUE
from datagen.rand import bell, substream

READINGS = ["battery", "signal", "cpu", "ram_free", "storage_free", "temperature",
            "bluetooth", "wifi", "gps"]
# (latitude, longitude) of the hubs the phones gather around.
HUBS = [(34.05, -118.24), (37.77, -122.42), (47.61, -122.33), (45.52, -122.68),
        (33.45, -112.07), (39.74, -104.99), (36.17, -115.14), (32.72, -117.16)]
SCATTER = 0.35          # degrees, one standard deviation
P_NO_FIX = 0.02


def reading_orders(seed: int) -> dict[str, list[str]]:
    """The order in which each maker's phones send their nine readings.

    >>> orders = reading_orders(42)
    >>> sorted(orders) == sorted(CATALOGUE), all(sorted(o) == sorted(READINGS)
    ...                                          for o in orders.values())
    (True, True)
    """
    rng = substream(seed, "device-orders")
    orders = {}
    for maker in CATALOGUE:
        order = READINGS[:]
        rng.shuffle(order)
        orders[maker] = order
    return orders


def _device_id(rng) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def device_lines(seed: int, accounts: list[Account], start: dt.date, days: int,
                 n_lines: int) -> list[str]:
    """``n_lines`` status reports from open accounts' phones, in time order.

    >>> from datagen.accounts import Account as A
    >>> accts = [A(1, "", None, "", "", "", "", "", "", "", "", "iFruit 3")]
    >>> lines = device_lines(1, accts, dt.date(2013, 9, 16), 1, 5)
    >>> len(lines), lines[0].count(","), lines[0][:11]
    (5, 13, '2013-09-16 ')
    """
    rng = substream(seed, "devices")
    rand = rng.random
    orders = reading_orders(seed)
    phones = []
    for a in accounts:
        if a.closed is None:
            hub = HUBS[rng.randrange(len(HUBS))]
            phones.append((a.model, a.model.split(" ", 1)[0], _device_id(rng), hub))
    first = start.toordinal()
    times = sorted(rng.randrange(days * 86400) for _ in range(n_lines))
    lines = []
    no_fix = False
    for i, t in enumerate(times):
        model, maker, device, (lat, lon) = phones[int(rand() * len(phones))]
        gps = 0 if rand() < P_NO_FIX else 1
        if i == len(times) - 1 and not no_fix:
            gps = 0             # traps.py: the no-fix trap at every seed
        no_fix = no_fix or not gps
        values = {
            "battery": int(rand() * 101), "signal": int(rand() * 6),
            "cpu": int(rand() * 100), "ram_free": 64 + int(rand() * 960),
            "storage_free": int(rand() * 32), "temperature": 20 + int(rand() * 26),
            "bluetooth": int(rand() < 0.4), "wifi": int(rand() < 0.6), "gps": gps,
        }
        if gps:
            lat, lon = lat + SCATTER * bell(rng), lon + SCATTER * bell(rng)
        else:
            lat = lon = 0.0
        day = dt.date.fromordinal(first + t // 86400).isoformat()
        s = t % 86400
        readings = ",".join(str(values[name]) for name in orders[maker])
        lines.append(f"{day} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d},{model},"
                     f"{device},{readings},{lat:.6f},{lon:.6f}\n")
    return lines
