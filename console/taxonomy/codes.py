"""Every finding code the built-in rules produce: its default severity and what to do.

Codes are stable: dashboards, CI jobs and the ``[severity]`` table of a taxonomy file refer
to them. A taxonomy file may change a code's severity (``error``, ``warning``, ``info``) or
turn it ``off``. ``docs/taxonomy.md`` explains each one at length.

==========================  ========  ==================================================
code                        default   what it means
==========================  ========  ==================================================
event.malformed             error     a line of the file is not JSON (``validate FILE``)
event.rejected              error     an event that could not be decoded (no user id...)
field.missing               warning   a field the taxonomy requires for this event type
referrer.missing            warning   a page view without a referrer field at all
referrer.truncated          info      an external referrer cut to its origin, no UTMs
landing.query_stripped      warning   the campaign context has UTMs the landing URL lost
click_id.lost               error     a click ID on the event that its page URL lost
click_id.source_mismatch    error     the click ID's network disagrees with utm_source
click_id.medium_mismatch    warning   e.g. a paid click ID with an organic utm_medium
click_id.missing            info      a paid source/medium with no click ID of its network
utm.uppercase               error     uppercase letters where the taxonomy wants lowercase
utm.whitespace              error     leading, trailing, doubled or control whitespace
utm.encoding                warning   still percent-encoded, HTML entities, broken bytes
utm.placeholder             error     an unfilled template macro ({{campaign}}, %%source%%)
utm.junk                    error     undefined, null, NaN, [object Object], (not set)
utm.pii                     error     an email address or phone number in a UTM
utm.not_allowed             error     a value outside the field's allowed list
utm.pattern                 error     a value that does not match the field's pattern
utm.incomplete              warning   some UTMs present, a required companion missing
utm.context_mismatch        warning   the URL's UTMs disagree with the campaign context
utm.context_missing         info      the campaign context lacks a UTM the URL has
utm.internal_link           warning   UTMs on a link from the site's own pages
medium.unknown              error     utm_medium outside the medium vocabulary
channel.unassigned          warning   GA4 would file this traffic as Unassigned
state.missing               warning   no first/last-touch state after a marketing touch
state.dropped               warning   a state property the person's events carried stopped coming
state.first_changed         error     the first-touch state differs from an earlier value
state.last_stale            warning   the last-touch state ignores this landing's campaign
campaign.expectation        error     breaks a declared campaign's expectations
link.invalid                error     not an absolute http(s) URL
link.no_campaign            error     a campaign link with no campaign parameters at all
link.off_site               warning   a link whose host is not one of the internal domains
redirect.param_dropped      error     a redirect hop dropped a UTM or click ID
redirect.param_changed      warning   a redirect hop changed a UTM or click ID's value
redirect.status             error     the final landing answered with an error status
redirect.loop               error     the redirects go round in a circle
redirect.too_many           error     more redirects than the hop limit
redirect.unreachable        error     the link could not be requested (DNS, TLS, timeout)
redirect.downgrade          warning   a hop from https to http
==========================  ========  ==================================================
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS: tuple[str, ...] = ("error", "warning", "info", "off")
"""What the ``[severity]`` table of a taxonomy file may say for a code."""

_BROWSERS = (
    "Chrome 85+, Edge 85+, Firefox 87+ and Safari send only the origin to other sites "
    "(referrer policy strict-origin-when-cross-origin); Safari's tracking prevention and "
    "Brave can trim further"
)
_STRIPPERS = (
    "Safari (Link Tracking Protection in Mail, Messages and Private Browsing) strips click "
    "IDs such as gclid, fbclid and msclkid; Firefox (strict Enhanced Tracking Protection) and "
    "Brave strip known tracking parameters; SPA routers and redirects drop whole queries"
)
REMEDY = "keep the landing URL's parameters in first-party storage or capture them server-side"


@dataclass(frozen=True, slots=True)
class Code:
    """A finding code's default severity and the fix a person should try first."""

    severity: str
    hint: str


CODES: dict[str, Code] = {
    "event.malformed": Code("error", "write one JSON object per line (NDJSON)"),
    "event.rejected": Code("error", "fix the sender: the event breaks its vendor's format"),
    "field.missing": Code("warning", "send the field on every event of this type"),
    "referrer.missing": Code(
        "warning",
        "send the referrer on every page view, as an empty string when there is none "
        "(direct and many email visits); a missing key hides the traffic source",
    ),
    "referrer.truncated": Code(
        "info",
        f"{_BROWSERS}; tag inbound links with UTMs and {REMEDY}",
    ),
    "landing.query_stripped": Code("warning", f"{_STRIPPERS}; {REMEDY}"),
    "click_id.lost": Code(
        "error",
        f"read the URL before the SPA router or a redirect rewrites it, or {REMEDY}; {_STRIPPERS}",
    ),
    "click_id.source_mismatch": Code(
        "error",
        "fix utm_source in the ad's tracking template, or the link was copied from another "
        "network's campaign",
    ),
    "click_id.medium_mismatch": Code(
        "warning", "use the paid medium of the taxonomy (e.g. cpc, paid_social) on paid links"
    ),
    "click_id.missing": Code(
        "info",
        "turn on the network's auto-tagging; if it is on, the browser stripped the click ID "
        f"({_STRIPPERS})",
    ),
    "utm.uppercase": Code(
        "error",
        "write UTMs in lowercase: reports count Google and google (or CPC and cpc) as two "
        "different values",
    ),
    "utm.whitespace": Code("error", "remove the spaces around the value in the link builder"),
    "utm.encoding": Code(
        "warning", "encode the value exactly once (the link was encoded twice or mangled)"
    ),
    "utm.placeholder": Code(
        "error",
        "the ad platform or email tool did not fill this macro: check the macro's spelling "
        "and that the platform supports it",
    ),
    "utm.junk": Code(
        "error", "the link builder wrote an empty variable: fill the value or drop the parameter"
    ),
    "utm.pii": Code(
        "error",
        "never put personal data in URLs: it leaks to every analytics and ad tool; use an "
        "opaque id instead",
    ),
    "utm.not_allowed": Code("error", "use one of the values the taxonomy allows"),
    "utm.pattern": Code("error", "follow the naming convention of the taxonomy"),
    "utm.incomplete": Code(
        "warning", "set utm_source, utm_medium and utm_campaign together on every tagged link"
    ),
    "utm.context_mismatch": Code(
        "warning", "the SDK's campaign context and the URL must agree; fix whichever is stale"
    ),
    "utm.context_missing": Code(
        "info", "let the SDK parse every utm_* parameter into its campaign context"
    ),
    "utm.internal_link": Code(
        "warning",
        "never tag links between your own pages with UTMs: each click starts a new campaign "
        "and overwrites the real source",
    ),
    "medium.unknown": Code("error", "use a medium from the taxonomy's [mediums] vocabulary"),
    "channel.unassigned": Code(
        "warning",
        "use a source/medium pair the GA4 default channel grouping recognises (e.g. "
        "google/cpc, facebook/paid_social, newsletter/email) or map it in [channels]",
    ),
    "state.missing": Code(
        "warning",
        "set the first/last-touch properties on every page view once the visitor had a touch "
        "(martech touch reports the person as touch.state_missing)",
    ),
    "state.dropped": Code(
        "warning",
        "send every first/last-touch property the site tracks on every page view: a property "
        "that stops coming loses the state (martech touch: touch.state_dropped)",
    ),
    "state.first_changed": Code(
        "error",
        "set the first-touch properties once and never overwrite them (a set-once write); "
        "check identity merges and cookie resets (martech touch: touch.first_overwritten, "
        "or touch.identity_split on a merge)",
    ),
    "state.last_stale": Code(
        "warning",
        "overwrite every last-touch property when a new campaign lands "
        "(martech touch: touch.last_stale)",
    ),
    "campaign.expectation": Code(
        "error", "fix the link in the ad or email to match the campaign's plan"
    ),
    "link.invalid": Code("error", "use an absolute http(s) URL"),
    "link.no_campaign": Code(
        "error", "add utm_source, utm_medium and utm_campaign (or the network's auto-tagging)"
    ),
    "link.off_site": Code("warning", "point the link at one of the site's own domains"),
    "redirect.param_dropped": Code(
        "error",
        "make the redirect keep the query string (e.g. nginx: $is_args$args; a trailing-slash "
        "rule must append the query), or link straight to the final URL",
    ),
    "redirect.param_changed": Code("warning", "make the redirect pass the query through unchanged"),
    "redirect.status": Code("error", "fix the landing page or link to one that answers 200"),
    "redirect.loop": Code("error", "break the redirect loop on the server"),
    "redirect.too_many": Code("error", "link to the final URL; long redirect chains lose visits"),
    "redirect.unreachable": Code(
        "error", "check the host name, TLS certificate and that the site is up"
    ),
    "redirect.downgrade": Code(
        "warning", "redirect to https only: a hop through http drops the referrer"
    ),
}


def is_builtin_namespace(code: str) -> bool:
    """True when ``code`` is in a namespace the built-in rules own (``utm.``, ``state.``...)."""
    prefix = code.split(".", 1)[0]
    return any(known.split(".", 1)[0] == prefix for known in CODES)
