"""What it costs to brute-force a self-check's answer from the public ``answers.json``.

``answers.json`` ships with the course, salts included, so anyone can try candidate answers
offline. The attack on a whole-number answer (a count) is to hash 0, 1, 2, ... until one
matches. This times that attack on a real entry for a sample of candidates, on one core,
and extrapolates to every integer below 10^6 (a count in the course is below that), next
to what the salted SHA-256 the checks used before cost for the same sample.

    python -m benchmarks bruteforce          # or: make bench
"""

from __future__ import annotations

import hashlib
import json
import time

from course import checks

ENTRY = "ch03.n_users"            # a count: one of the answers a student would try to guess
SAMPLE = 100                      # scrypt candidates timed (seconds at ~50-100 ms each)
SPACE = 10 ** 6


def run() -> dict:
    rec = json.loads(checks.ANSWERS.read_text())[ENTRY]
    salt = rec["salt"]
    start = time.perf_counter()
    for candidate in range(SAMPLE):
        checks._kdf.__wrapped__(salt, checks._key(candidate))   # no cache: a fresh guess
    slow = (time.perf_counter() - start) / SAMPLE
    start = time.perf_counter()
    for candidate in range(SAMPLE * 1000):
        hashlib.sha256((salt + checks._key(candidate)).encode()).hexdigest()
    fast = (time.perf_counter() - start) / (SAMPLE * 1000)
    return {"per_guess": slow, "space": SPACE, "total": slow * SPACE, "sha256_per_guess": fast,
            "sha256_total": fast * SPACE}


def main() -> None:
    r = run()
    print(f"one guess against {ENTRY}: {r['per_guess'] * 1000:.0f} ms (scrypt, "
          f"n={checks.KDF['n']}, r={checks.KDF['r']}; {SAMPLE} timed)")
    print(f"every integer below {r['space']:,}: {r['total'] / 3600:.1f} CPU-hours per answer "
          f"(before: salted SHA-256, {r['sha256_total']:.2f} s)")


if __name__ == "__main__":
    main()
