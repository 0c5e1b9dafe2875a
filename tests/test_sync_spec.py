"""Sync definitions: a TOML file whose every mistake is named with its file, line, sync,
key and the fix, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.sync import SyncError, load_syncs

GOOD = """
[[sync]]
name = "people_to_hubspot"
description = "People with an email, their first touch and lifetime value"
model = "SELECT person, email, ltv FROM people"
primary_key = "person"
destination = "hubspot"
object = "contacts"
match_key = "email"
clear = ["martech_ltv"]

[sync.mapping]
email = "email"
ltv = "martech_ltv"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncs.toml"
    path.write_text(text)
    return path


def test_a_good_file_loads_with_defaults(tmp_path: Path) -> None:
    (spec,) = load_syncs(write(tmp_path, GOOD))
    assert spec.name == "people_to_hubspot"
    assert (spec.mode, spec.production, spec.max_delete_share) == ("upsert", False, 0.1)
    assert spec.mapping == {"email": "email", "ltv": "martech_ltv"}
    assert spec.match_column == "email" and spec.clear == {"martech_ltv"}
    assert spec.source.endswith("syncs.toml:2")
    target = spec.target()
    assert (target.object, target.match_key, target.fields) == (
        "contacts", "email", ("email", "martech_ltv")
    )  # fmt: skip


def test_a_model_file_is_read_relative_to_the_syncs_file(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "people.sql").write_text("SELECT 1 AS person, 'a@b.c' AS email")
    text = GOOD.replace('model = "SELECT person, email, ltv FROM people"',
                        'model_file = "models/people.sql"')  # fmt: skip
    (spec,) = load_syncs(write(tmp_path, text))
    assert spec.model.startswith("SELECT 1 AS person")


@pytest.mark.parametrize(
    ("change", "says", "line"),
    [
        (("mode = ", 'mode = "mirror"\nmodee = '), "modee: unknown key", None),
        (
            ('primary_key = "person"', "primary_key = 5"),
            "primary_key: must be text (in quotes), got a whole number",
            6,
        ),
        (('primary_key = "person"\n', ""), "primary_key: missing", 2),
        (('match_key = "email"', 'match_key = "phone"'), "'phone' is not mapped", 9),
        (('clear = ["martech_ltv"]', 'clear = ["ltv"]'), "clear: 'ltv' is not a mapped field", 10),
        (('clear = ["martech_ltv"]', 'clear = ["email"]'), "the match key cannot be cleared", 10),
        (('name = "people_to_hubspot"', 'name = "People To HubSpot"'), "name: must be lower", 3),
        (('ltv = "martech_ltv"', 'ltv = "email"'), "two columns write 'email'", 12),
        (('clear = ["martech_ltv"]', 'mode = "merge"'), "'merge' is not a mode", 10),
        (
            ('clear = ["martech_ltv"]', "production = 1"),
            "production: must be true or false, got a whole number",
            10,
        ),
        (('name = "people_to_hubspot"', f'name = "{"p" * 65}"'), "is 65 characters long", 3),
        (('clear = ["martech_ltv"]', "max_delete_share = 2"), "2.0 is not a share", 10),
        (('clear = ["martech_ltv"]', 'model_file = "x.sql"'), "not both or neither", None),
    ],
)
def test_each_mistake_names_the_line_the_sync_and_the_fix(
    tmp_path: Path, change: tuple[str, str], says: str, line: int | None
) -> None:
    old, new = change
    if old == "mode = ":
        text = GOOD.replace('clear = ["martech_ltv"]', new + '"upsert"')
    else:
        assert old in GOOD
        text = GOOD.replace(old, new, 1)
    with pytest.raises(SyncError) as caught:
        load_syncs(write(tmp_path, text))
    message = caught.value.message
    assert says in message
    named = ("people_to_hubspot", "People To HubSpot", "p" * 65)
    assert any(f"sync '{name}'" in message for name in named)
    if line is not None:
        assert f"syncs.toml:{line}:" in message
    assert caught.value.hint


def test_two_syncs_with_one_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        load_syncs(write(tmp_path, GOOD + GOOD))
    assert "a second sync named 'people_to_hubspot'" in caught.value.message


def test_a_broken_file_says_where(tmp_path: Path) -> None:
    with pytest.raises(SyncError) as caught:
        load_syncs(write(tmp_path, GOOD + "\n[[sync]\n"))
    assert "syncs.toml" in caught.value.message and caught.value.hint == "fix the TOML syntax"
    with pytest.raises(SyncError) as missing:
        load_syncs(tmp_path / "nope.toml")
    assert "cannot read" in missing.value.message
