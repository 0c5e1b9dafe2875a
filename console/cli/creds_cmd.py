"""``martech creds``: connector credentials in the OS keyring (or the environment in CI).

Values are read hidden or from stdin, stored in the keyring, and never printed: ``list``
says only which fields are set and where from.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click
import httpx

from console.cli.context import AppContext, BadUsage, json_option, pass_app
from console.cli.output import print_json, print_table
from console.contract import Connector, CredentialField, VendorAnswer
from console.credentials import CredentialStore
from console.sync.plan import base_url_override, home_url
from console.sync.redact import Redactor


@click.group()
def creds() -> None:
    """Set, list, delete and test connector credentials (kept in the OS keyring)."""


@creds.command("set")
@click.argument("connector")
@click.argument("field")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the value from stdin (scripts).")
@pass_app
def set_credential(app: AppContext, connector: str, field: str, from_stdin: bool) -> None:
    """Store CONNECTOR's credential FIELD (prompted without echo, or --stdin)."""
    cls, credential = _field(app, connector, field)
    if from_stdin:
        value = sys.stdin.readline().strip()
    else:
        value = click.prompt(f"{credential.label}", hide_input=True).strip()
    if not value:
        raise BadUsage(f"an empty {connector} {field} was not stored")
    CredentialStore().set(cls, credential, value)
    click.echo(f"{connector} {field}: stored in the keyring")


@creds.command("list")
@json_option
@pass_app
def list_credentials(app: AppContext, as_json: bool) -> None:
    """Which credentials are set and where from (never their values)."""
    store = CredentialStore()
    rows = [
        {
            "connector": name,
            "field": credential.name,
            "label": credential.label,
            "required": credential.required,
            "origin": store.origin(reg.item, credential),
            "env": reg.item.env_var(credential),
        }
        for name, reg in sorted(app.host.connectors().items())
        for credential in reg.item.credentials
    ]
    if as_json:
        print_json({"credentials": rows})
        return
    print_table(
        ["connector", "field", "set", "from", "env fallback"],
        [
            [
                r["connector"],
                r["field"],
                "yes" if r["origin"] != "unset" else "no",
                "" if r["origin"] == "unset" else r["origin"],
                r["env"],
            ]
            for r in rows
        ],
    )


@creds.command("delete")
@click.argument("connector")
@click.argument("field")
@pass_app
def delete_credential(app: AppContext, connector: str, field: str) -> None:
    """Remove CONNECTOR's credential FIELD from the keyring."""
    cls, credential = _field(app, connector, field)
    CredentialStore().delete(cls, credential)
    click.echo(f"{connector} {field}: removed from the keyring")


@creds.command("test")
@click.argument("connector")
@pass_app
def test_credentials(app: AppContext, connector: str) -> None:
    """One harmless authenticated read against CONNECTOR's API (exit 1 when refused)."""
    cls = _connector(app, connector)
    destination = app.host.destinations().get(connector)
    if destination is None or destination.item.check is None:
        why = "it is not a destination" if destination is None else "its API has no harmless read"
        raise BadUsage(f"{connector} has no credentials check ({why})")
    values = CredentialStore().values(cls)
    missing = [c.name for c in cls.credentials if c.required and c.name not in values]
    if missing:
        raise BadUsage(
            f"{connector} {missing[0]} is not set: martech creds set {connector} {missing[0]} "
            f"(or {cls.env_var(next(c for c in cls.credentials if c.name == missing[0]))})"
        )
    item = destination.item
    form = item.auth_form(values) if item.auth_form else {}
    settings = {
        c.name: values[c.name] for c in cls.credentials if not c.secret and c.name in values
    }
    base_url = base_url_override(connector, os.environ) or home_url(item, settings)
    answer = asyncio.run(_check(base_url, item.check, item.auth_headers(values), form))
    redact = Redactor(values.values())
    if isinstance(answer, str):
        raise BadUsage(redact(f"{connector}: {answer}"))
    if 200 <= answer.status < 300:
        click.echo(f"{connector}: the credentials work at {base_url} ({answer.status})")
        return
    message = redact(answer.body[:300].decode("utf-8", "replace"))
    click.echo(f"{connector}: refused ({answer.status}): {message}", err=True)
    raise SystemExit(1)


async def _check(
    base_url: str, request: Any, headers: dict[str, str], form: dict[str, str]
) -> VendorAnswer | str:
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.request(
                request.method, base_url.rstrip("/") + request.path,
                headers={**request.headers, **headers},
                json=request.json if request.form is None else None,
                data={**form, **request.form} if request.form is not None else None,
            )  # fmt: skip
    except httpx.HTTPError as exc:
        return f"could not reach {base_url} ({type(exc).__name__})"
    return VendorAnswer(response.status_code, dict(response.headers), response.content)


def _connector(app: AppContext, name: str) -> type[Connector]:
    found = app.host.connectors().get(name)
    if found is None:
        known = ", ".join(sorted(app.host.connectors()))
        raise BadUsage(f"no connector {name!r} (connectors: {known})")
    return found.item


def _field(app: AppContext, connector: str, field: str) -> tuple[type[Connector], CredentialField]:
    cls = _connector(app, connector)
    for credential in cls.credentials:
        if credential.name == field:
            return cls, credential
    fields = ", ".join(c.name for c in cls.credentials) or "none"
    raise BadUsage(f"{connector} has no credential {field!r} (its fields: {fields})")
