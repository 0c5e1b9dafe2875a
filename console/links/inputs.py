"""Which links to check: URLs given on the command line, or files of them.

A file is a CSV export (UTM builders, Google Ads, Meta, LinkedIn: the URL column is found by
its header) or plain text with one URL per line. ``-`` reads standard input.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from console.errors import InputError

URL_COLUMNS: tuple[str, ...] = (
    "campaign url",
    "tagged url",
    "full url",
    "tracking url",
    "final url",
    "destination url",
    "landing page url",
    "landing page",
    "website url",
    "url",
    "link",
)
"""Header names of a URL column, preferred in this order (a tagged URL over the base URL)."""


@dataclass(frozen=True, slots=True)
class LinkInput:
    """One link to check and where it came from (``links.csv:3`` or ``argument 2``)."""

    url: str
    origin: str


def looks_like_url(text: str) -> bool:
    """True for something with a scheme (``https://...``), as opposed to a file name."""
    head = text.strip().partition("://")[0]
    return "://" in text and head.isalpha()


def read_links(arguments: Iterable[str]) -> list[LinkInput]:
    """The links named by the arguments: URLs themselves, or files (``-`` for stdin)."""
    links: list[LinkInput] = []
    for number, argument in enumerate(arguments, start=1):
        if looks_like_url(argument):
            links.append(LinkInput(argument.strip(), f"argument {number}"))
        else:
            links += read_file(argument)
    return links


def read_file(name: str) -> list[LinkInput]:
    """The links in a CSV (with a URL column) or a text file of URLs."""
    if name == "-":
        text, label = sys.stdin.read(), "stdin"
    else:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(
                f"{name} is neither a URL nor an existing file",
                hint="give URLs starting with https://, or a CSV/text file of them",
            ) from None
        except IsADirectoryError:
            raise InputError(f"{name} is a directory, not a file of links") from None
        except UnicodeDecodeError:
            raise InputError(f"{name} is not UTF-8 text") from None
        except OSError as exc:
            raise InputError(f"cannot read {name}: {exc.strerror}") from None
        label = name
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.startswith("#")), "")
    if looks_like_url(first.split(",")[0].split("\t")[0].strip('"')):
        return [
            LinkInput(line.strip(), f"{label}:{number}")
            for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
    return _read_csv(text, label)


def _read_csv(text: str, label: str) -> list[LinkInput]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    header = next(rows, None)
    if not header:
        raise InputError(f"{label} is empty", hint="a CSV with a URL column, or one URL a line")
    names = [
        " ".join(cell.strip().lower().replace("_", " ").replace("-", " ").split())
        for cell in header
    ]  # "Final URL", "final_url", "final-url" all match
    column = next((names.index(name) for name in URL_COLUMNS if name in names), None)
    if column is None:
        raise InputError(
            f"{label} has no URL column (columns: {', '.join(h.strip() for h in header)})",
            hint=f"name the column one of: {', '.join(URL_COLUMNS)}",
        )
    links = []
    for number, row in enumerate(rows, start=2):
        url = row[column].strip() if column < len(row) else ""
        if url:
            links.append(LinkInput(url, f"{label}:{number}"))
    return links
