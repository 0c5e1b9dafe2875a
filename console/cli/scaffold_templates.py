"""The files ``martech plugin new`` writes, as ``string.Template`` texts.

``$name`` is the connector name (``acme``), ``$package`` the module (``martech_acme``),
``$dist`` the distribution (``martech-acme``), ``$cls`` the connector class (``Acme``),
``$display`` its display name, ``$api`` the plugin API range it supports.
"""

from __future__ import annotations

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$display for martech-console."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["martech-console"]

[project.optional-dependencies]
test = ["pytest>=8", "hypothesis>=6"]

# martech-console finds the plugin through this entry point.
[project.entry-points.martech_console]
$name = "$package"

[tool.setuptools]
packages = ["$package"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]

[tool.ruff]
line-length = 100  # the console's own width: the files are written to it
"""

README = """\
# $dist

$display for [martech-console](https://pypi.org/project/martech-console/): $what.

```sh
pip install -e '.[test]'   # beside martech-console
martech plugins            # lists $name
pytest                     # the tests and the conformance suite (console.testing)
```
$usage
Supports the martech-console plugin API $api (`MARTECH_PLUGIN_API` in `$package/__init__.py`).
"""

USAGE_SOURCE = """
`martech collect` serves `POST /$name/v1/events` (`{"events": [{"id", "name", "user", "at",
"url", "properties"}]}`); an item it cannot read is kept as rejected, with why
(`martech events --source $name --rejected`), and the sender gets the usual 200.
"""

USAGE_DESTINATION = """
Syncs write the `people` object (matched on `email`) with `POST /v1/people/batch`;
`martech sandbox` serves a fake of that API under `/$name` (faults: `unauthorized`,
`rate_limit`, `server_error`, `partial`).
"""

MODULE_HEAD = '''\
"""$display for martech-console: $what."""

from __future__ import annotations

$imports

MARTECH_PLUGIN_API = "$api"  # the console's plugin API versions this plugin is written for
NAME = "$name"


class $cls(Connector):
    name = NAME
    display_name = "$display"
    description = "$display: $what."
    docs_url = "https://example.com/$name/docs"  # your vendor's API reference$credentials
'''

SOURCE = '''

# -- the source: POST /$name/v1/events ----------------------------------------------------


def decode(request: CollectorRequest) -> list[Event]:
    """The request's events; an item that cannot be read is kept as rejected."""
    try:
        body = json.loads(request.body)
    except ValueError:
        raise PayloadError("the body is not JSON", field="body") from None
    items = body.get("events") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise PayloadError('send {"events": [...]}', field="events")
    events = []
    for index, item in enumerate(items):
        try:
            events.append(one(request, item, index))
        except (LookupError, TypeError, ValueError, PayloadError) as exc:
            ident = item.get("id") if isinstance(item, dict) else None
            events.append(rejected_event(NAME, item, f"events[{index}]: {exc}", message_id=ident))
    return events


def one(request: CollectorRequest, item: Any, index: int) -> Event:
    """One item: ``id`` (kept as the message id: a retry is stored once), ``name``,
    ``user``, ``at`` (ISO time or epoch), ``url``, ``properties``."""
    if not isinstance(item, dict):
        raise PayloadError("an event must be a JSON object", field=f"events[{index}]")
    when = parse_time(item.get("at"), field=f"events[{index}].at")
    return Event(
        source=NAME,
        message_id=str(item["id"]),
        type="track",
        event=str(item["name"]),
        user_id=item.get("user"),
        timestamp=when or request.received_at,
        received_at=request.received_at,
        page_url=item.get("url"),
        properties=dict(item.get("properties") or {}),
        raw=item,
    )


ROUTE = CollectorRoute(
    "POST",
    "/$name/v1/events",
    NAME,
    decode,
    description="$display events (JSON batch)",
)
'''

DESTINATION = '''

# -- the destination: people, matched on email --------------------------------------------

PEOPLE = DestinationObject("people", match_keys=("email",), description="People by email")
BATCH = 100


def plan(target: SyncTarget, changes: Sequence[RowChange]) -> list[PlannedRequest]:
    """The requests for one kind of change (no I/O: the engine sends them)."""
    rows = tuple(change.key for change in changes)
    if not changes:
        return []
    if changes[0].kind == "remove":
        emails = [change.match for change in changes]
        return [PlannedRequest("POST", "/v1/people/delete", rows, json={"emails": emails})]
    people = [
        {"email": c.match, "properties": {k: v for k, v in c.values.items() if k != "email"}}
        for c in changes
    ]
    return [PlannedRequest("POST", "/v1/people/batch", rows, json={"people": people})]


def outcomes(request: PlannedRequest, answer: VendorAnswer) -> list[RowOutcome]:
    """One outcome per row of ``request``, whatever came back."""
    if answer.status == 429 or answer.status >= 500:
        return [RowOutcome(key, "unknown", f"answered {answer.status}") for key in request.rows]
    if answer.status >= 400:
        return [RowOutcome(key, "rejected", f"answered {answer.status}") for key in request.rows]
    body = answer.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    failed: dict[str, str] = {}
    for error in errors if isinstance(errors, list) else []:
        index = error.get("index") if isinstance(error, dict) else None
        if isinstance(index, int) and 0 <= index < len(request.rows):
            failed[request.rows[index]] = str(error.get("message") or "rejected")
    return [
        RowOutcome(key, "rejected", failed[key]) if key in failed else RowOutcome(key, "accepted")
        for key in request.rows
    ]


DESTINATION = Destination(
    connector=NAME,
    base_url="https://api.example.com/$name",
    objects=(PEOPLE,),
    plan=plan,
    outcomes=outcomes,
    auth_headers=lambda credentials: {"Authorization": f"Bearer {credentials['api_key']}"},
    batch_size=BATCH,
    description="$display people",
)


class Fake:
    """The vendor's people API in memory, for ``martech sandbox`` and the tests."""

    def __init__(
        self, rate_limit: int | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.faults = FaultQueue(("unauthorized", "rate_limit", "server_error", "partial"), NAME)
        self.window = RateWindow(rate_limit or 100, 10.0, clock)
        self.people: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.add(fault)

    def state(self) -> Mapping[str, Any]:
        with self.lock:
            return {"people": dict(self.people), "faults": self.faults.describe()}

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        with self.lock:
            if not request.headers.get("authorization", "").startswith("Bearer "):
                return SandboxResponse.json(401, {"message": "missing API key"})
            if self.faults.take("unauthorized"):
                return SandboxResponse.json(401, {"message": "invalid API key"})
            if self.faults.take("rate_limit") or not self.window.admit():
                return SandboxResponse.json(429, {"message": "slow down"}, {"Retry-After": "1"})
            fault = self.faults.take("server_error")
            if fault:
                return SandboxResponse.json(fault.status or 500, {"message": "server error"})
            try:
                body = json.loads(request.body)
            except ValueError:
                return SandboxResponse.json(400, {"message": "the body is not JSON"})
            if request.path == "/v1/people/batch" and isinstance(body, dict):
                return self.upsert(body.get("people"))
            if request.path == "/v1/people/delete" and isinstance(body, dict):
                for email in body.get("emails") or []:
                    self.people.pop(str(email), None)
                return SandboxResponse.json(200, {"errors": []})
            return SandboxResponse.json(404, {"message": f"no route {request.path}"})

    def upsert(self, people: Any) -> SandboxResponse:
        if not isinstance(people, list) or not 1 <= len(people) <= BATCH:
            return SandboxResponse.json(400, {"message": f"people: 1 to {BATCH} a request"})
        emails = [str(p.get("email")) for p in people if isinstance(p, dict)]
        fault = self.faults.take_rows("partial", emails)
        errors = []
        for index, person in enumerate(people):
            email = str(person.get("email")) if isinstance(person, dict) else ""
            if "@" not in email or (fault and email in fault.rows):
                errors.append({"index": index, "message": f"invalid person {email!r}"})
            else:
                self.people.setdefault(email, {}).update(person.get("properties") or {})
        return SandboxResponse.json(200, {"errors": errors})
'''

HOOKS_HEAD = """

# -- the hooks ---------------------------------------------------------------------------


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register($cls)
"""

HOOKS_SOURCE = """

@hookimpl
def register_collector_routes(register: Callable[[CollectorRoute], None]) -> None:
    register(ROUTE)
"""

HOOKS_DESTINATION = """

@hookimpl
def register_destinations(register: Callable[[Destination], None]) -> None:
    register(DESTINATION)


@hookimpl
def register_sandboxes(register: Callable[[SandboxRegistration], None]) -> None:
    register(
        SandboxRegistration(
            NAME,
            lambda rate_limit: Fake(rate_limit),
            "$display people",
        )
    )
"""

TESTS_HEAD = '''\
"""$package, tested with the console's plugin kit (console.testing)."""

from __future__ import annotations

$imports

PLUGIN = (
    "$name",
    $package,
)
pytestmark = pytest.mark.martech_plugins(PLUGIN)
'''

TESTS_SOURCE = """
BODY = {
    "events": [
        {
            "id": "evt-1",
            "name": "Signed Up",
            "user": "user-1",
            "at": "2026-06-01T10:00:00Z",
            "url": "https://example.com/?utm_source=newsletter&utm_medium=email",
        },
        {"id": "evt-2", "user": "user-1"},
    ]
}


def test_events_arrive_and_an_unreadable_one_is_kept_as_rejected(
    martech_collector: LiveCollector, martech_warehouse: Arrivals
) -> None:
    answer = martech_collector.post("/$name/v1/events", BODY)
    assert answer.status_code == 200
    events = martech_warehouse.wait(2, source=NAME)
    [good] = [e for e in events if e.validity == "ok"]
    assert (good.event, good.user_id, good.campaign.source) == ("Signed Up", "user-1", "newsletter")
    [bad] = martech_warehouse.rejected(source=NAME)
    assert bad.message_id == "evt-2" and bad.errors[0].startswith("events[1]:")


def test_a_body_that_is_not_json_is_refused_saying_why(martech_collector: LiveCollector) -> None:
    answer = martech_collector.post("/$name/v1/events", b"{nope")
    assert answer.status_code == 400 and "not JSON" in answer.json()["message"]
"""

TESTS_DESTINATION = """

def people(n: int) -> tuple[SyncTarget, list[RowChange]]:
    target = SyncTarget("people", "email", "upsert", ("email", "plan"))
    emails = [f"person{i}@example.com" for i in range(n)]
    rows = [RowChange(f"r{i}", "add", e, {"email": e, "plan": "pro"}) for i, e in enumerate(emails)]
    return target, rows


def test_a_sync_batch_reaches_the_fake_and_a_partial_failure_names_its_row(
    martech_sandbox: SandboxControl,
) -> None:
    target, changes = people(3)
    [request] = DESTINATION.plan(target, changes)
    url = martech_sandbox.base_url(NAME)
    martech_sandbox.fault(NAME, "partial", rows=("person1@example.com",))
    answer = send_planned(DESTINATION, request, url, {"api_key": "test-key"})
    outcomes = [o.outcome for o in DESTINATION.outcomes(request, answer)]
    assert outcomes == ["accepted", "rejected", "accepted"]
    assert sorted(martech_sandbox.state(NAME)["people"]) == [
        "person0@example.com",
        "person2@example.com",
    ]
"""

TESTS_SUITE = """

TestConformance = conformance.suite($suite_args)
"""
