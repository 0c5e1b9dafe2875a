"""Meta's customer information parameters: normalised, then SHA-256, as Meta's docs say.

- ``em``: trimmed, lower case (an implausible email is left out, with a lint warning).
- ``ph``: digits only, leading zeros dropped (``+44 20 7946 0958``, ``0044 20 7946 0958``
  and ``(+44) 20-7946-0958`` all become ``442079460958``); Meta needs the country code,
  so a number written without ``+`` or ``00`` is sent as is with a lint warning.
- ``fn``, ``ln``: trimmed, lower case, punctuation dropped (``O'Brien`` -> ``obrien``);
  letters outside a-z kept in UTF-8 (``Zoë`` -> ``zoë``).
- ``ct``: lower case, letters only; ``st``: lower case, letters only; ``zp``: lower case,
  no spaces, the part before a dash; ``country``: two lower-case letters; ``ge``: ``f`` or
  ``m``; ``db``: ``YYYYMMDD``; ``external_id``: trimmed.
- A value that already is a SHA-256 (64 hex digits) is sent as is, never hashed twice.
- Never hashed: ``client_ip_address``, ``client_user_agent``, ``fbc``, ``fbp``.

``fbc`` is built from a stored fbclid as ``fb.1.<click time in ms>.<fbclid>``: the fbclid
verbatim (it is case-sensitive), the time of the click that carried it in milliseconds.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

HASHED = ("em", "ph", "fn", "ln", "ct", "st", "zp", "country", "ge", "db", "external_id")
PLAIN = ("client_ip_address", "client_user_agent", "fbc", "fbp")
_SHA256 = re.compile(r"^[a-f0-9]{64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MS_THRESHOLD = 100_000_000_000
"""Epoch values at or above this are milliseconds (year 1973 in ms, year 5138 in s)."""


def _letters(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] == "L")


def _no_punctuation(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PS")


def normalize(name: str, value: Any) -> str | None:
    """The normalised text Meta hashes for ``name``; None when there is nothing to send."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value)
    text = unicodedata.normalize("NFC", text).strip().lower()
    if not text:
        return None
    if _SHA256.match(text):
        return text
    if name == "em":
        return text if _EMAIL.match(text) else None
    if name == "ph":
        digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")
        return digits or None
    if name in ("fn", "ln"):
        return _no_punctuation(text) or None
    if name in ("ct", "st"):
        return _letters(text) or None
    if name == "zp":
        return re.sub(r"\s", "", text).split("-")[0] or None
    if name == "country":
        code = _letters(text)
        return code if len(code) == 2 else None
    if name == "ge":
        return text[0] if text[0] in "fm" else None
    if name == "db":
        digits = "".join(ch for ch in text if ch.isdigit())
        return digits if len(digits) == 8 else None
    return text if name != "external_id" else str(value).strip()


def hashed(name: str, value: Any) -> str | None:
    """SHA-256 hex of the normalised value (a value already hashed is kept); names, cities
    and the like repeat, so answers are remembered."""
    try:
        return _hashed(name, value)
    except TypeError:  # an unhashable value: computed, not remembered
        return _hashed.__wrapped__(name, value)


@functools.lru_cache(maxsize=65_536)
def _hashed(name: str, value: Any) -> str | None:
    text = normalize(name, value)
    if text is None:
        return None
    return text if _SHA256.match(text) else hashlib.sha256(text.encode("utf-8")).hexdigest()


def phone_has_country_code(value: Any) -> bool:
    """True when a phone number is written internationally (``+`` or ``00`` first)."""
    text = str(value).strip().lstrip("(").strip()
    return text.startswith(("+", "00")) or bool(_SHA256.match(text.lower()))


def epoch_ms(value: Any) -> int | None:
    """A time as epoch milliseconds: ISO text, a datetime, or epoch ms (a number >= 1e11)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value >= MS_THRESHOLD else None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    text = str(value).strip()
    if text.isdigit():
        return epoch_ms(int(text))
    try:
        return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def epoch_seconds(value: Any) -> int | None:
    """A time as epoch seconds: ISO text, a datetime, epoch seconds or epoch ms."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value // 1000) if value >= MS_THRESHOLD else int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return epoch_seconds(int(value.strip()))
    ms = epoch_ms(value)
    return None if ms is None else ms // 1000


def build_fbc(click_id: Any, click_time: Any) -> str | None:
    """``fb.1.<click time ms>.<fbclid>``; None without both parts (a time in seconds
    counts as missing: :func:`epoch_ms` refuses it)."""
    fbclid = "" if click_id is None else str(click_id).strip()
    ms = epoch_ms(click_time)
    if not fbclid or ms is None:
        return None
    return f"fb.1.{ms}.{fbclid}"
