"""The knowledge base: help articles about the phones, and their web pages.

Customers read these articles, and the web logs record each view as a request for
``/KBDOC-NNNNN.html``. Two files describe them:

- ``kb/kblist.txt`` — one line per article, ``docid:title`` where the title is
  ``model - task``, e.g. ``KBDOC-00001:MeeToo 4.1 - Back up files``. Small enough to keep
  on the driver, which makes it the lookup table of the broadcast-join lesson.
- ``kb/KBDOC-NNNNN.html`` — the page itself: the doc id in ``<meta name="docid">``, the
  title in ``<title>`` and ``<h1>``, and a short body of numbered steps. One small file
  per article is what ``wholeTextFiles`` is for.

Key terms: *doc id* — ``KBDOC-`` and a five-digit number, starting at 00001.

Read next: ``weblogs.py`` (article popularity), ``devices.py``.
"""

from __future__ import annotations

from typing import NamedTuple

from datagen.models import all_models
from datagen.rand import substream

# What customers need help with. Written for this project.
TASKS = [
    "Back up files", "Restore a backup", "Change the ringtone", "Set up voicemail",
    "Pair a headset", "Share the mobile connection", "Reset to factory settings",
    "Battery drains quickly", "Screen does not respond to touch", "Phone runs hot",
    "Move contacts from another phone", "Turn on two-step sign-in", "Free up storage",
    "Update the system software", "Camera photos are blurry", "Set up e-mail",
    "Block a caller", "Change the screen timeout", "Find a lost phone",
    "Insert or replace the SIM card", "Connect to a wireless network", "Use as a hotspot",
    "Calls drop in some places", "Turn off app notifications", "Record the screen",
    "Charge the battery faster", "Recover deleted photos", "Set up a work profile",
    "Stop apps from running in the background", "Speaker sounds distorted",
    "Transfer music from a computer", "Silence the phone at night",
    "Keyboard types the wrong letters", "Adjust text size", "Take a screenshot",
    "Sync the calendar", "Unlock with a fingerprint", "Travel abroad without roaming charges",
    "Phone restarts by itself", "Clean the charging port",
]

_STEPS = [
    "Open Settings from the home screen.", "Tap the menu in the top corner.",
    "Choose the account you want to use.", "Make sure the battery is charged above 50%.",
    "Connect to a wireless network first.", "Confirm with your passcode.",
    "Wait until the progress bar finishes.", "Restart the phone when asked.",
    "Scroll down to the Advanced section.", "Switch the option on.",
    "Tap Save to keep your changes.", "Check that the change took effect.",
]


class Article(NamedTuple):
    """One knowledge-base article."""

    number: int
    model: str
    task: str

    @property
    def docid(self) -> str:
        """``KBDOC-`` and the zero-padded number.

        >>> Article(7, "iFruit 3", "Take a screenshot").docid
        'KBDOC-00007'
        """
        return f"KBDOC-{self.number:05d}"

    @property
    def title(self) -> str:
        """``model - task``, as in the list file and the page title."""
        return f"{self.model} - {self.task}"


def build_articles(seed: int, n_articles: int) -> list[Article]:
    """Make ``n_articles`` articles; every model is covered once before any repeats.

    >>> arts = build_articles(1, 60)
    >>> arts[0].docid, len({a.model for a in arts})
    ('KBDOC-00001', 50)
    """
    rng = substream(seed, "kb")
    models = all_models()
    order: list[str] = []
    articles = []
    seen: set[tuple[str, str]] = set()
    for number in range(1, n_articles + 1):
        if not order:
            order = models[:]
            rng.shuffle(order)
        model = order.pop()
        task = rng.choice(TASKS)
        while (model, task) in seen and len(seen) < len(models) * len(TASKS):
            task = rng.choice(TASKS)
        seen.add((model, task))
        articles.append(Article(number, model, task))
    return articles


def kblist_text(articles: list[Article]) -> str:
    """``kblist.txt``: ``docid:title`` per line.

    >>> kblist_text([Article(1, "MeeToo 4.1", "Back up files")])
    'KBDOC-00001:MeeToo 4.1 - Back up files\\n'
    """
    return "".join(f"{a.docid}:{a.title}\n" for a in articles)


def page_html(article: Article, seed: int) -> str:
    """The article's web page: doc id in a meta tag, the title, a few steps.

    >>> html = page_html(Article(3, "Ronin S2", "Pair a headset"), 1)
    >>> '<meta name="docid" content="KBDOC-00003">' in html
    True
    >>> "<title>Ronin S2 - Pair a headset</title>" in html
    True
    """
    rng = substream(seed, f"kb-page-{article.number}")
    steps = rng.sample(_STEPS, rng.randint(3, 6))
    items = "\n".join(f"  <li>{step}</li>" for step in steps)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta name=\"docid\" content=\"{article.docid}\">\n"
        f"<meta name=\"model\" content=\"{article.model}\">\n"
        f"<title>{article.title}</title>\n"
        "<link rel=\"stylesheet\" href=\"/theme.css\">\n</head>\n<body>\n"
        f"<h1>{article.title}</h1>\n"
        f"<p>Applies to: {article.model}. Topic: {article.task}.</p>\n"
        f"<ol>\n{items}\n</ol>\n"
        "<p>Still stuck? Contact support from the Help menu.</p>\n</body>\n</html>\n"
    )
