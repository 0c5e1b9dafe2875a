"""The contacts a HubSpot fake holds, and HubSpot's per-input rules for batch writes.

Each operation takes the inputs of one batch and returns ``(results, errors)`` in HubSpot's
shapes: results are contact records (``id``, ``properties``, ``createdAt``, ``updatedAt``,
``archived``, plus ``new`` and ``objectWriteTraceId`` for writes), errors are
``{"status": "error", "category", "message", "context": {"ids": [...]}, "errors": [...]}``.
Emails are matched without regard to case and stored in lower case; a contact upserted by a
property gets that property set to the input id, and its original and latest source set to
``OFFLINE`` as HubSpot does for contacts the API creates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from martech_hubspot.properties import READ_ONLY, READ_ONLY_PREFIXES, RECORD_ID, plausible_email

FIRST_ID = 1001
COMPUTED_ON_CREATE = {"hs_analytics_source": "OFFLINE", "hs_latest_source": "OFFLINE"}
"""What HubSpot computes for a contact the API creates: Offline Sources."""
Batch = tuple[list[dict[str, Any]], list[dict[str, Any]]]
"""A batch operation's ``(results, errors)``."""
NOT_FOUND = (
    "Could not get some CONTACT objects, they may be deleted or not exist. "
    "Check that ids are valid."
)
DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
"""What ``batch/read`` returns when no ``properties`` are asked for."""


def utc_stamp() -> str:
    """Now, as HubSpot writes times: ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def input_error(category: str, message: str, ids: Iterable[str], **extra: Any) -> dict[str, Any]:
    """One entry of a batch answer's ``errors``."""
    error: dict[str, Any] = {"status": "error", "category": category, "message": message}
    error["context"] = {"ids": [str(i) for i in ids]}
    error.update(extra)
    return error


@dataclass
class Contact:
    """One contact record."""

    id: str
    properties: dict[str, str]
    created_at: str
    updated_at: str
    archived: bool = False
    archived_at: str | None = None

    def record(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        """The contact as HubSpot returns it (``names``: only those properties)."""
        props: dict[str, Any] = dict(self.properties)
        props.update(
            hs_object_id=self.id, createdate=self.created_at, lastmodifieddate=self.updated_at
        )
        if names is not None:
            props = {n: props.get(n) for n in names}
        out: dict[str, Any] = {"id": self.id, "properties": props, "createdAt": self.created_at}
        out.update(updatedAt=self.updated_at, archived=self.archived)
        if self.archived_at:
            out["archivedAt"] = self.archived_at
        return out


@dataclass
class ContactStore:
    """Contacts by id, with HubSpot's batch rules."""

    now: Callable[[], str] = utc_stamp
    contacts: dict[str, Contact] = field(default_factory=dict)
    indexes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Live contacts by the value of each property looked up by (``email``, ...)."""
    next_id: int = FIRST_ID

    def find(self, value: str, id_property: str | None) -> Contact | None:
        """The live contact whose ``id_property`` (record id when None) equals ``value``."""
        if id_property in (None, RECORD_ID):
            contact = self.contacts.get(str(value))
            return contact if contact and not contact.archived else None
        wanted = str(value).strip().lower() if id_property == "email" else str(value)
        found = self._index(id_property).get(wanted)
        return self.contacts[found] if found is not None else None

    def _index(self, name: str) -> dict[str, str]:
        """Live contacts by the value of ``name`` (built on first use, then kept)."""
        index = self.indexes.get(name)
        if index is None:
            index = self.indexes[name] = {}
            for contact in self.contacts.values():
                if not contact.archived and name in contact.properties:
                    index.setdefault(contact.properties[name], contact.id)
        return index

    def _set(self, contact: Contact, name: str, value: str) -> None:
        index = self.indexes.get(name)
        old = contact.properties.get(name)
        if index is not None and old is not None and index.get(old) == contact.id:
            del index[old]
        if value == "":
            contact.properties.pop(name, None)
            return
        contact.properties[name] = value
        if index is not None:
            index.setdefault(value, contact.id)

    def _refusals(self, item: Mapping[str, Any], id_property: str | None) -> list[dict[str, Any]]:
        ident = str(item.get("id", ""))
        props = item.get("properties") or {}
        read_only = sorted(n for n in props if n in READ_ONLY or n.startswith(READ_ONLY_PREFIXES))
        if read_only:
            details = [
                {"message": f"{n!r} is a read only property; its value cannot be set.",
                 "code": "READ_ONLY_VALUE", "in": n}
                for n in read_only
            ]  # fmt: skip
            message = "Property values were not valid: " + "; ".join(d["message"] for d in details)
            return [input_error("VALIDATION_ERROR", message, [ident], errors=details)]
        if id_property == "email" and not plausible_email(ident):
            return [input_error("VALIDATION_ERROR", f"Email address {ident} is invalid", [ident])]
        email = props.get("email")
        if email and not plausible_email(str(email)):
            return [input_error("VALIDATION_ERROR", f"Email address {email} is invalid", [ident])]
        return []

    def seed(self, contact: Contact, props: Mapping[str, str]) -> None:
        """Set properties without HubSpot's write rules (its computed ones too)."""
        for name, value in props.items():
            self._set(contact, name, value)

    def _write(self, contact: Contact, props: Mapping[str, str]) -> None:
        for name, value in props.items():
            self._set(contact, name, value.strip().lower() if name == "email" else value)
        contact.updated_at = self.now()

    def _result(
        self, contact: Contact, item: Mapping[str, Any], new: bool | None
    ) -> dict[str, Any]:
        out = contact.record()
        if new is not None:
            out["new"] = new
        if item.get("objectWriteTraceId") is not None:
            out["objectWriteTraceId"] = item["objectWriteTraceId"]
        return out

    def create(self, id_property: str, value: str) -> Contact:
        """A new contact with ``id_property`` set to ``value``."""
        stamp = self.now()
        contact = Contact(str(self.next_id), {}, stamp, stamp)
        self.next_id += 1
        contact.properties.update(COMPUTED_ON_CREATE)
        self.contacts[contact.id] = contact
        self._set(contact, id_property, value.strip().lower() if id_property == "email" else value)
        return contact

    def write(self, inputs: list[Mapping[str, Any]], create: bool, fail: set[str]) -> Batch:
        """Batch upsert (``create``) or update; inputs whose id is in ``fail`` fail."""
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item in inputs:
            ident = str(item.get("id", ""))
            id_property = item.get("idProperty")
            if ident.strip().lower() in fail or ident in fail:
                errors.append(
                    input_error("VALIDATION_ERROR", "Injected failure (sandbox)", [ident])
                )
                continue
            refused = self._refusals(item, id_property)
            if refused:
                errors += refused
                continue
            contact = self.find(ident, id_property)
            new = contact is None
            if contact is None and not create:
                errors.append(input_error("OBJECT_NOT_FOUND", NOT_FOUND, [ident]))
                continue
            if contact is None:
                contact = self.create(id_property or "email", ident)
            self._write(contact, item.get("properties") or {})
            results.append(self._result(contact, item, new if create else None))
        return results, errors

    def archive(self, inputs: list[Mapping[str, Any]]) -> None:
        """Archive by record id; unknown ids are ignored (HubSpot answers 204 anyway)."""
        for item in inputs:
            contact = self.contacts.get(str(item.get("id", "")))
            if contact and not contact.archived:
                for name, value in contact.properties.items():
                    index = self.indexes.get(name)
                    if index is not None and index.get(value) == contact.id:
                        del index[value]
                contact.archived, contact.archived_at = True, self.now()

    def read(
        self, inputs: list[Mapping[str, Any]], id_property: str | None, names: list[str] | None
    ) -> Batch:
        """Batch read by record id or a unique property; unknown ones are one error."""
        results: list[dict[str, Any]] = []
        missing: list[str] = []
        for item in inputs:
            ident = str(item.get("id", ""))
            contact = self.find(ident, id_property)
            if contact is None:
                missing.append(ident)
            else:
                results.append(contact.record(names or DEFAULT_PROPERTIES))
        errors: list[dict[str, Any]] = []
        if missing:
            errors.append(input_error("OBJECT_NOT_FOUND", NOT_FOUND, missing))
        return results, errors

    def snapshot(self) -> list[dict[str, Any]]:
        """Every contact (archived ones included), JSON-ready, by id."""
        return [self.contacts[i].record() for i in sorted(self.contacts, key=int)]
