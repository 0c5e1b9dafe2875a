"""Campaign link QA before launch: lint each URL against the taxonomy, follow its redirects."""

from console.links.check import LinkResult, check_links, lint
from console.links.follow import Trace, trace_all
from console.links.inputs import LinkInput, read_links

__all__ = ["LinkInput", "LinkResult", "Trace", "check_links", "lint", "read_links", "trace_all"]
