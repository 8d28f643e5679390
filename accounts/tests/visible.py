"""What a reader of a page meets: its text, and the attributes that are read
out or shown (alt, title, placeholder, aria-label, a button's value)."""

import re
from html.parser import HTMLParser

_SHOWN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
_BUTTON_TYPES = {"submit", "button", "reset"}
# Names a Chinese page may show in Latin letters: file formats, units, the
# switcher's "English", which names the language in its own tongue, and the
# notations vets write in Latin letters whatever their language: blood types
# (DEA 1, A, B) and vaccine abbreviations beside their Chinese names.
ALLOWED_LATIN = {
    "JPEG",
    "PNG",
    "WebP",
    "PDF",
    "ZIP",
    "CSV",
    "MB",
    "KB",
    "GB",
    "English",
}
ALLOWED_LATIN |= {"DEA", "A", "B", "DHPP", "FVRCP", "RHDV"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1
        attributes = dict(attrs)
        for name in _SHOWN_ATTRIBUTES & attributes.keys():
            self.parts.append(attributes[name] or "")
        if tag == "input" and attributes.get("type") in _BUTTON_TYPES:
            self.parts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html):
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def latin_words(html, *, user_data=()):
    """Words in Latin letters on the page, apart from ALLOWED_LATIN and the
    words of user_data (names, e-mails, pet names, what users wrote)."""
    allowed = set(ALLOWED_LATIN)
    for text in user_data:
        allowed.update(re.findall(r"[A-Za-z]+", str(text)))
    return sorted(set(re.findall(r"[A-Za-z]+", visible_text(html))) - allowed)
