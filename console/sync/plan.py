"""The plan: a sync's diff turned by its destination into the exact requests it would send.

Planning does no I/O beyond reading the model and the state. The destination renders the
requests (batched to its limits, each item's row known), the engine and the destination
lint them (vendor rules a run would break, harm it would do), and the plan gets an id: a
hash of the model result, the sync's definition and the requests, so ``--plan ID``
executes exactly what was reviewed, or is refused when anything changed since.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from console.contract import Destination, Lint, PlannedRequest, RowChange, SyncTarget
from console.errors import PluginError
from console.host import PluginHost
from console.sync.diff import KINDS, Diff, diff_rows
from console.sync.model import ModelSource
from console.sync.spec import SyncError, SyncSpec
from console.sync.spool import Spool
from console.sync.store import SyncStore


@dataclass(slots=True)
class Plan:
    """What a sync would do: counts, field-level changes, lints and the rendered requests.

    ``changes`` (in key order) and ``requests`` (adds, then changes, then removes) are
    sequences kept on disk by :func:`build_plan`, so a plan's memory does not grow with
    the size of the change.
    """

    spec: SyncSpec
    destination: Destination
    base_url: str
    diff: Diff
    changes: Sequence[RowChange] = field(default_factory=list)
    requests: Sequence[PlannedRequest] = field(default_factory=list)
    lints: list[Lint] = field(default_factory=list)
    id: str = ""
    scope: str = ""
    """Where the state this plan diffed against is kept (see :func:`state_scope`)."""
    refreshed: Any = None
    """How ``people``/``conversions`` were brought up to date before the model ran."""

    @property
    def blocked(self) -> bool:
        """True when a lint is an error: nothing may be sent."""
        return any(lint.severity == "error" for lint in self.lints)

    def to_json(self) -> dict[str, Any]:
        """The plan as CI reads it (``martech sync plan --json``)."""
        return {
            "sync": self.spec.name,
            "plan_id": self.id,
            "destination": self.spec.destination,
            "object": self.spec.object,
            "mode": self.spec.mode,
            "production": self.spec.production,
            "base_url": self.base_url,
            "state": self.scope,
            "counts": self.diff.counts(),
            "people_refresh": asdict(self.refreshed) if self.refreshed else None,
            "blocked": self.blocked,
            "lints": [_lint_json(lint) for lint in self.lints],
            "changes": [_change_json(change) for change in self.changes],
            "requests": [request_json(self.base_url, r) for r in self.requests],
        }


def build_plan(
    spec: SyncSpec,
    host: PluginHost,
    models: ModelSource,
    store: SyncStore,
    *,
    base_url: str | None = None,
    scope: str | None = None,
    settings: Mapping[str, str] | None = None,
) -> Plan:
    """Run the model, diff it against the state, and render and lint the requests.

    ``settings`` are the connector's non-secret settings (they may choose its base URL).
    The state is kept per place a sync writes to (:func:`state_scope`) unless ``scope``
    names another (the in-process sandbox's).
    """
    destination = destination_for(spec, host)
    home = home_url(destination, settings or {})
    url = base_url or spec.base_url or home
    scope = scope or state_scope(spec, url, home)
    columns, rows = models.ordered(spec.model, spec.primary_key)
    changes: Spool[RowChange] = Spool()
    requests: Spool[PlannedRequest] = Spool(sections=len(KINDS))
    renderer = _Renderer(host, destination, spec.target(), changes, requests)
    diff = diff_rows(spec, columns, rows, store.state(scope), sink=renderer.take)
    renderer.finish()
    plan = Plan(spec, destination, url, diff, changes, requests, scope=scope)
    plan.lints = [*_spec_lints(spec, destination), *_guard_lints(spec, diff), *renderer.lints]
    plan.id = plan_id(plan)
    return plan


def home_url(destination: Destination, settings: Mapping[str, str]) -> str:
    """The vendor's real API for these settings (Braze's instance), else the default."""
    if destination.base_url_from is not None:
        try:
            chosen = destination.base_url_from(settings)
        except ValueError as exc:  # a setting the destination cannot place: never guess
            raise SyncError(
                str(exc), hint=f"martech creds list shows {destination.connector}'s settings"
            ) from None
        if chosen:
            return chosen
    return destination.base_url


def state_scope(spec: SyncSpec, base_url: str, home: str) -> str:
    """The name the sync's state is kept under: the sync's own for the vendor's real API
    (``home``), ``sync@URL`` for anywhere else (a fake, CI's own), so a rehearsal never
    makes the real destination look synced."""
    if base_url.rstrip("/") == home.rstrip("/"):
        return spec.name
    return f"{spec.name}@{base_url.rstrip('/')}"


def base_url_override(connector: str, env: Mapping[str, str]) -> str | None:
    """``MARTECH_<CONNECTOR>_BASE_URL``: where CI points a destination (its own fake)."""
    return env.get(f"MARTECH_{connector.upper()}_BASE_URL") or None


def destination_for(spec: SyncSpec, host: PluginHost) -> Destination:
    """The destination a sync names, or a :class:`SyncError` that says what exists."""
    found = host.destinations().get(spec.destination)
    if found is None:
        known = ", ".join(sorted(host.destinations())) or "none are loaded"
        raise SyncError(
            f"{spec.source}: sync {spec.name!r}: no destination {spec.destination!r}",
            hint=f"destinations: {known} (martech plugins lists them)",
        )
    destination = found.item
    obj = destination.object(spec.object)
    if obj is None:
        objects = ", ".join(o.name for o in destination.objects)
        raise SyncError(
            f"{spec.source}: sync {spec.name!r}: {spec.destination} has no object {spec.object!r}",
            hint=f"objects: {objects}",
        )
    if spec.mode not in obj.modes:
        raise SyncError(
            f"{spec.source}: sync {spec.name!r}: {spec.destination} {obj.name} cannot {spec.mode}",
            hint=f"modes: {', '.join(obj.modes)}",
        )
    return destination


def _spec_lints(spec: SyncSpec, destination: Destination) -> Iterator[Lint]:
    obj = destination.object(spec.object)
    assert obj is not None  # destination_for checked it
    for column, dest in spec.mapping.items():
        if obj.is_read_only(dest):
            yield Lint(
                "error",
                "sync.read_only_field",
                f"{dest!r} (from column {column!r}) is computed by {destination.connector} "
                "and cannot be written: map the column to a custom property",
                field=dest,
            )
    if spec.match_key not in obj.match_keys:
        yield Lint(
            "warning",
            "sync.match_key",
            f"{spec.match_key!r} is not one of {destination.connector} {obj.name}'s known "
            f"match keys ({', '.join(obj.match_keys)}): it must be a unique property",
            field=spec.match_key,
        )


def _guard_lints(spec: SyncSpec, diff: Diff) -> Iterator[Lint]:
    if spec.mode != "mirror":
        return
    removes = diff.count("remove")
    if diff.rows == 0 and diff.synced:
        yield Lint(
            "error",
            "sync.empty_model",
            f"the model returned no rows: mirror mode would delete all {diff.synced} records "
            "this sync wrote. Check the model; nothing is sent",
        )
    elif diff.synced and removes > spec.max_delete_share * diff.synced:
        share = removes / diff.synced
        yield Lint(
            "error",
            "sync.too_many_deletes",
            f"{removes} of {diff.synced} records ({share:.0%}) would be deleted; this sync "
            f"allows {spec.max_delete_share:.0%} (max_delete_share)",
        )


class _Renderer:
    """Takes the diff's changes as they are found and renders them a batch at a time:
    each kind's pending batch goes to the destination when it is full (and at the end),
    its requests and rows to the plan's spools, so only one batch per kind is in memory."""

    def __init__(
        self,
        host: PluginHost,
        destination: Destination,
        target: SyncTarget,
        changes: Spool[RowChange],
        requests: Spool[PlannedRequest],
    ) -> None:
        self.host, self.destination, self.target = host, destination, target
        self.changes, self.requests = changes, requests
        self.pending: dict[str, list[RowChange]] = {kind: [] for kind in KINDS}
        self.lints: list[Lint] = []
        self.size = max(1, destination.batch_size)

    def take(self, change: RowChange) -> None:
        """One change from the diff."""
        self.changes.append(change)
        batch = self.pending[change.kind]
        batch.append(change)
        if len(batch) >= self.size:
            self._render(change.kind)

    def finish(self) -> None:
        """Render what is left of every kind."""
        for kind in KINDS:
            if self.pending[kind]:
                self._render(kind)

    def _render(self, kind: str) -> None:
        batch, self.pending[kind] = self.pending[kind], []
        host, destination, target = self.host, self.destination, self.target
        planned = _call(host, destination, "plan", destination.plan, target, batch)
        _check_rows(destination, batch, planned)
        self.requests.extend(planned, KINDS.index(kind))
        if destination.lint is not None:
            self.lints += _call(host, destination, "lint", destination.lint, target, batch)


def _call(host: PluginHost, destination: Destination, what: str, fn: Any, *args: Any) -> Any:
    """A destination's function under the plugin boundary's guard."""
    try:
        return fn(*args)
    except Exception as exc:
        plugin = host.destinations()[destination.connector].plugin
        host.record_failure(plugin, f"destination.{what}", exc)
        raise PluginError(
            f"the {destination.connector} destination failed to {what}: "
            f"{type(exc).__name__}: {exc}",
            hint="martech plugins shows the failure; report it to the plugin's author",
        ) from None


def _check_rows(
    destination: Destination, batch: list[RowChange], planned: list[PlannedRequest]
) -> None:
    """Every changed row of a batch travels in exactly one of its requests (the
    destination's promise)."""
    carried = sorted(key for request in planned for key in request.rows)
    expected = sorted(change.key for change in batch)
    if carried != expected:
        missing = sorted(set(expected) - set(carried))
        twice = sorted({key for key in carried if carried.count(key) > 1} - set(missing))
        extra = sorted(set(carried) - set(expected))
        odd = "; ".join(
            f"{what}: {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}"
            for what, keys in (("missing", missing), ("carried twice", twice), ("unknown", extra))
            if keys
        )
        raise PluginError(
            f"the {destination.connector} destination planned requests that carry "
            f"{len(carried)} rows for a batch of {len(batch)} changes ({odd})",
            hint="each changed row must be in exactly one request; report it to its author",
        )


def plan_id(plan: Plan) -> str:
    """A short hash of the model result, the sync's definition and the requests (a
    rehearsal's fake, on a new port each time, counts as one place: ``sandbox``)."""
    spec = plan.spec
    where = "sandbox" if plan.scope.endswith("@sandbox") else plan.base_url
    digest = hashlib.sha256()
    digest.update(plan.diff.digest.encode())
    definition = [spec.name, spec.destination, spec.object, spec.match_key, spec.mode,
                  sorted(spec.mapping.items()), sorted(spec.clear), where]  # fmt: skip
    digest.update(json.dumps(definition, default=str).encode())
    for request in plan.requests:
        digest.update(json.dumps(request_json(where, request), default=str).encode())
    return digest.hexdigest()[:12]


def request_json(base_url: str, request: PlannedRequest) -> dict[str, Any]:
    """A request as shown and stored: method, URL, headers (no credentials), body, rows."""
    body: dict[str, Any] = {}
    if request.json is not None:
        body["json"] = request.json
    if request.form is not None:
        body["form"] = dict(request.form)
    return {
        "method": request.method,
        "url": base_url.rstrip("/") + request.path,
        "headers": dict(request.headers),
        **body,
        "rows": list(request.rows),
    }


def _lint_json(lint: Lint) -> dict[str, Any]:
    return {k: v for k, v in asdict(lint).items() if v is not None}


def _change_json(change: RowChange) -> dict[str, Any]:
    data: dict[str, Any] = {"key": change.key, "kind": change.kind, "match": change.match}
    if change.kind == "change":
        data["fields"] = {
            name: {"old": change.previous.get(name), "new": value}
            for name, value in change.values.items()
        }
    elif change.kind == "add":
        data["fields"] = dict(change.values)
    return data
