"""The phone catalogue: which handsets our fictional company sells, and how each one
shows up in the web logs.

Every data file refers to phone models: an account owns one, a knowledge-base article
is about one, a product page sells one, and the browser of every log line names the
user's handset in its *user agent* string. This module is the single source of those
names, so that the files agree with one another.

Key terms
- **maker / model**: ``("iFruit", "3A")``; the *full name* used everywhere is
  ``"iFruit 3A"`` (maker, a space, model).
- **slug**: the name as it appears in a URL: lower case, spaces become ``_``
  (``"ifruit_3a"``), so the sales page is ``/ifruit_3a_sales.html``.
- **user agent**: the text a browser sends to identify itself. Ours put the full
  model name inside the parentheses, followed by ``;`` or `` Build/`` — which is why
  a plain substring test for ``"iFruit 3"`` also matches ``"iFruit 3A"`` (the trap of
  the broadcast lab), while extracting the name first and comparing whole names works.
- **target models**: the short list the broadcast lab loads on the driver.

Read next: ``kb.py`` (articles about these models), ``weblogs.py`` (the log lines).
"""

from __future__ import annotations

# The catalogue, by maker, in release order. 50 handsets in all.
CATALOGUE: dict[str, list[str]] = {
    "Sorrento": ["F00L", "F01L", "F10L", "F11L", "F20L", "F21L", "F22L", "F23L", "F24L",
                 "F30L", "F31L", "F32L", "F33L", "F40L", "F41L"],
    "iFruit": ["1", "2", "3", "3A", "4", "4A", "5", "5A"],
    "Ronin": ["S1", "S2", "S3", "S4", "Novelty Note 1", "Novelty Note 2",
              "Novelty Note 3", "Novelty Note 4"],
    "MeeToo": ["1.0", "2.0", "3.0", "3.1", "4.0", "4.1", "5.0", "5.1"],
    "Titanic": ["1000", "1100", "2000", "2100", "2200", "2300", "2400", "2500", "3000",
                "4000", "DeckChairs"],
}

# Models rumoured but never sold: requests for their sales pages end in a 404.
RUMOURED: list[str] = ["iFruit 6", "MeeToo 6.0", "Sorrento F50L", "Titanic 5000"]

# For the broadcast lab. "iFruit 3" is here and "iFruit 3A" is not, but
# "iFruit 3A" users exist: a substring match wrongly keeps their lines.
TARGET_MODELS: list[str] = [
    "iFruit 1", "iFruit 3", "iFruit 4A", "MeeToo 3.0", "MeeToo 4.1", "Ronin Novelty Note 2",
    "Ronin S3", "Sorrento F24L", "Sorrento F41L", "Titanic 2100", "Titanic DeckChairs",
]

# Operating-system strings per maker, and a per-model build tag, so that every
# handset has one fixed, plausible user agent.
_ANDROID = {"Sorrento": "4.0.4", "Ronin": "4.1.2", "MeeToo": "4.2.2", "Titanic": "2.3.6"}
_BUILDS = ["IMM76D", "JZO54K", "JDQ39", "GRK39F", "JRO03C", "IMM76I", "JOP40D", "GWK74"]

# Desktop browsers of the company's own staff (a few low account numbers).
STAFF_AGENTS: list[str] = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:24.0) Gecko/20100101 Firefox/24.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/30.0.1599.69 Safari/537.36",
]


def all_models() -> list[str]:
    """Every full model name, maker by maker, in catalogue order.

    >>> models = all_models()
    >>> len(models), models[0], models[-1]
    (50, 'Sorrento F00L', 'Titanic DeckChairs')
    >>> "Ronin Novelty Note 3" in models
    True
    """
    return [f"{maker} {model}" for maker, models in CATALOGUE.items() for model in models]


def maker_of(full_name: str) -> str:
    """The maker part of a full model name.

    >>> maker_of("Ronin Novelty Note 1"), maker_of("iFruit 3A")
    ('Ronin', 'iFruit')
    """
    return full_name.split(" ", 1)[0]


def slug(full_name: str) -> str:
    """The URL form of a model name: lower case, spaces replaced by underscores.

    >>> slug("iFruit 3A"), slug("Ronin Novelty Note 2"), slug("MeeToo 4.1")
    ('ifruit_3a', 'ronin_novelty_note_2', 'meetoo_4.1')
    """
    return full_name.lower().replace(" ", "_")


def user_agent(full_name: str) -> str:
    """The mobile browser string of a handset; it names the model exactly once.

    iFruit phones run their own system; the others run Android.

    >>> user_agent("iFruit 3A")[:38]
    'Mozilla/5.0 (iFruit 3A; CPU iFruit OS '
    >>> "; Sorrento F41L Build/" in user_agent("Sorrento F41L")
    True
    """
    models = all_models()
    index = models.index(full_name)
    maker = maker_of(full_name)
    if maker == "iFruit":
        version = full_name.split(" ", 1)[1].rstrip("A")
        return (f"Mozilla/5.0 ({full_name}; CPU iFruit OS {int(version) + 3}_1 like Mac OS X) "
                f"AppleWebKit/536.26 (KHTML, like Gecko) Version/{int(version) + 3}.0 "
                f"Mobile Safari/8536.25")
    build = _BUILDS[index % len(_BUILDS)]
    return (f"Mozilla/5.0 (Linux; U; Android {_ANDROID[maker]}; en-us; {full_name} "
            f"Build/{build}) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 "
            f"Mobile Safari/534.30")


def catalogue_csv() -> str:
    """The catalogue as CSV text, one ``maker,model`` line per handset.

    >>> catalogue_csv().splitlines()[:2]
    ['Sorrento,F00L', 'Sorrento,F01L']
    """
    return "".join(f"{maker},{model}\n" for maker, models in CATALOGUE.items()
                   for model in models)


def target_models_txt() -> str:
    """``targetmodels.txt``: one full model name per line.

    >>> "iFruit 3\\n" in target_models_txt(), "iFruit 3A" in TARGET_MODELS
    (True, False)
    """
    return "".join(f"{name}\n" for name in TARGET_MODELS)
