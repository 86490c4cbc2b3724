"""Malformed log lines, mixed in on purpose, so that labs can teach defensive parsing.

Real logs are never clean. A job that assumes every line splits into the right tokens
dies on the first odd one, hours into a run. The labs teach the alternative: parse
carefully, skip what does not parse, and *count* what was skipped (an accumulator is the
natural tool). For that the data needs bad lines, of known kinds, in known numbers —
the manifest records how many of each kind every file holds.

Kinds (``KINDS``)
- ``truncated``: a real line cut short (a crashed writer); at least the IP survives,
  and the line never ends in a quote (a cut right after one takes the quote too).
- ``missing_user``: the user id replaced by ``-``, as Apache writes an unknown user;
  ``int(line.split(" ")[2])`` fails.
- ``garbage``: text that is not a log line at all; it starts with a letter.
- ``non_utf8``: a real line with one stray byte (0x80-0xFF) glued to the user id; it is
  not valid UTF-8, and a reader that replaces bad bytes sees ``184\\ufffd``.

Bad lines are *inserted* between visits, never replacing one, and drawn from their own
random stream: the good lines are the same whatever ``--bad-lines`` is set to.

Key terms: *surrogateescape* — Python's way to carry a raw byte inside a ``str``: byte
0xE9 becomes the character U+DCE9 and is turned back into the byte when encoding.

Read next: ``manifest.py`` (where the counts are recorded).
"""

from __future__ import annotations

import random
import string

KINDS = ("truncated", "missing_user", "garbage", "non_utf8")
_JUNK = string.ascii_letters + string.digits + " !#$%&()*+,-./:;<=>?@_{}~"


def bad_count(lines: int, fraction: float) -> int:
    """How many bad lines to add to a file of ``lines`` good lines.

    >>> bad_count(3333, 0.001), bad_count(10, 0.0), bad_count(10, 0.001)
    (3, 0, 0)
    """
    return round(lines * fraction)


def make_bad(kind: str, good_line: str, rng: random.Random) -> str:
    """One malformed line of ``kind``, derived from a good line (without its newline).

    >>> good = '1.2.3.4 - 77 [16/Sep/2013:10:00:00 +0100] "GET /a.html HTTP/1.0" 200 9 "-"  "x"'
    >>> make_bad("missing_user", good, random.Random(0))[:16]
    '1.2.3.4 - - [16/'
    >>> bad = make_bad("non_utf8", good, random.Random(0))
    >>> bad.encode("utf-8", "surrogateescape")[:13]
    b'1.2.3.4 - 77\\xe2'
    >>> make_bad("truncated", good, random.Random(0)).endswith('"')
    False
    """
    if kind == "truncated":
        return good_line[:rng.randint(20, len(good_line) - 2)].rstrip('"')
    head, rest = good_line.split(" [", 1)
    if kind == "missing_user":
        return head.rsplit(" ", 1)[0] + " - [" + rest
    if kind == "non_utf8":
        return head + chr(0xDC80 + rng.randrange(128)) + " [" + rest
    if kind == "garbage":
        length = rng.randint(12, 70)
        return rng.choice(string.ascii_letters) + "".join(rng.choices(_JUNK, k=length - 1))
    raise ValueError(f"unknown kind of bad line: {kind}")


def mix_in(chunks: list[str], lines: int, fraction: float, rng: random.Random,
           offset: int = 0) -> tuple[list[bytes], dict[str, int]]:
    """Insert ``bad_count(lines, fraction)`` bad lines between the chunks (visits).

    Kinds take turns (starting at ``offset``), so that every kind appears once a data
    set has four bad lines or more. Returns the file's bytes in pieces (runs of good
    chunks joined, bad lines encoded on their own) and the count per kind. Joining
    only ASCII text keeps the joins fast: one odd byte in a huge string would make
    Python store every character of it in two bytes.

    >>> chunks = ['1.1.1.1 - 5 [x] "GET /p HTTP/1.0" 200 1 "-"  "ua"\\n'] * 10
    >>> pieces, counts = mix_in(chunks, 10, 0.5, random.Random(1))
    >>> b"".join(pieces).count(b"\\n"), sum(counts.values()), counts["truncated"]
    (15, 5, 2)
    """
    counts = dict.fromkeys(KINDS, 0)
    n_bad = min(bad_count(lines, fraction), len(chunks) + 1)
    slots = sorted(rng.sample(range(len(chunks) + 1), n_bad)) if n_bad else []
    pieces: list[bytes] = []
    previous = 0
    for j, slot in enumerate(slots):
        pieces.append("".join(chunks[previous:slot]).encode("ascii"))
        previous = slot
        kind = KINDS[(j + offset) % len(KINDS)]
        neighbour = chunks[min(slot, len(chunks) - 1)]
        bad = make_bad(kind, neighbour.split("\n", 1)[0], rng) + "\n"
        pieces.append(bad.encode("utf-8", "surrogateescape"))
        counts[kind] += 1
    pieces.append("".join(chunks[previous:]).encode("ascii"))
    return pieces, counts
