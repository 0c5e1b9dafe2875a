"""The taxonomy file: the shipped default, a team's own, and its mistakes named by file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.taxonomy import TaxonomyError, load_click_id_registry, load_taxonomy
from console.taxonomy.tomlpos import line_of
from tests.taxonomy_helpers import team_file


def test_the_default_taxonomy_declares_every_part_of_the_issue() -> None:
    tax = load_taxonomy()
    params = {rule.param for rule in tax.click_ids.rules}
    assert params >= {
        "gclid",
        "gbraid",
        "wbraid",
        "dclid",
        "fbclid",
        "ttclid",
        "li_fat_id",
        "msclkid",
        "twclid",
        "rdt_cid",
        "ScCid",
        "epik",
    }
    assert tax.click_ids.lookup("SCCID").network == "snapchat"
    assert {f.name for f in tax.utm_fields} == {
        "source",
        "medium",
        "campaign",
        "content",
        "term",
        "id",
    }
    assert tax.mediums["cpc"] == "paid" and tax.mediums["organic"] == "organic"
    assert tax.state.first["source"] == "utm_first_source"
    assert tax.state.last["campaign"] == "utm_last_campaign"
    assert tax.required["page"] == ("referrer",)
    assert tax.channels.predict("google", "cpc") == "Paid Search"
    assert tax.label == "the default taxonomy"


def test_an_old_click_id_only_file_still_gives_its_registry(tmp_path: Path) -> None:
    path = team_file(
        tmp_path,
        """
        [[click_ids]]
        param = "acme_cid"
        network = "acme_ads"
        sources = ["Acme"]
        """,
    )
    registry = load_click_id_registry(path)
    assert registry.params == ["acme_cid"]
    assert registry.lookup("ACME_CID").sources == ("acme",)
    assert load_click_id_registry().lookup("gclid").network == "google"


def test_a_team_file_extends_the_default_and_changes_only_what_differs(tmp_path: Path) -> None:
    path = team_file(
        tmp_path,
        """
        extends = "default"

        [site]
        internal_domains = ["acme.io"]

        [utm.campaign]
        pattern = '[a-z0-9_]+_20[0-9]{2}'

        [[click_ids]]
        param = "fbclid"
        network = "meta"
        sources = ["facebook"]
        medium_class = "paid"

        [[channels.rules]]
        name = "Partners"
        medium = ["partner"]

        [[campaigns]]
        name = "spring_launch_2027"
        sources = ["google"]

        [severity]
        "referrer.truncated" = "off"
        """,
    )
    tax = load_taxonomy(path)
    assert tax.files == (str(path), str(Path(tax.files[1])))
    assert tax.internal_domains == ("acme.io",)
    assert tax.click_ids.lookup("fbclid").medium_class == "paid"
    assert tax.click_ids.lookup("gclid") is not None
    assert tax.channels.rules[0].name == "Partners"
    assert tax.channels.predict("acme", "partner") == "Partners"
    assert tax.channels.predict("google", "cpc") == "Paid Search"
    assert tax.campaign("Spring_Launch_2027").sources == {"google"}
    assert tax.severity_of("referrer.truncated") == "off"
    assert tax.utm_fields[2].pattern.pattern.startswith("[a-z0-9_]")
    assert tax.utm_fields[0].lowercase  # inherited from the default


def _error(tmp_path: Path, text: str) -> TaxonomyError:
    path = team_file(tmp_path, text)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert caught.value.path == path
    return caught.value


def test_bad_toml_is_reported_with_file_and_line(tmp_path: Path) -> None:
    error = _error(tmp_path, '[site]\ninternal_domains = ["a.io"\nsession_timeout_minutes = 30\n')
    assert error.line == 3
    assert str(error).startswith(f"Taxonomy: {tmp_path / 'team.toml'}:3: invalid TOML")


def test_an_unknown_key_is_reported_with_its_line_and_the_known_keys(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        """
        [utm]
        require_together = ["source"]

        [utm.source]
        case = "lower"
        alowed = ["google"]
        """,
    )
    assert error.line == 6
    assert "unknown key 'alowed' in 'utm.source'" in error.message
    assert "allowed" in error.message


def test_an_invalid_regex_is_reported_with_its_line(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        """
        [utm]
        placeholders = [
          '\\{\\{.*\\}\\}',
          '(unclosed',
        ]
        """,
    )
    assert error.line == 4
    assert "'(unclosed' is not a valid regular expression" in error.message


def test_an_invalid_regex_in_a_table_array_names_the_right_entry(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        """
        [[channels.rules]]
        name = "Fine"
        medium = ["x"]

        [[channels.rules]]
        name = "Broken"
        medium_matches = '[a-z'
        """,
    )
    assert error.line == 7
    assert "channels.rules[1].medium_matches" in error.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[utm.source]\ncase = "LOWER"\n', 2, "must be one of lower, any"),
        ('[[click_ids]]\nparam = "x"\n', 1, "needs 'network'"),
        ('[severity]\n"utm.upercase" = "error"\n', 2, "unknown finding code 'utm.upercase'"),
        ('[severity]\n"utm.uppercase" = "fatal"\n', 2, "must be one of error, warning"),
        ('[events.required]\npage = ["referer"]\n', 2, "'referer' is not an event field"),
        ('[site]\nsession_timeout_minutes = "30"\n', 2, "must be an integer"),
        ('extends = "nowhere.toml"\n', 1, "does not exist"),
    ],
)
def test_other_mistakes_name_file_line_and_what_is_wrong(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    error = _error(tmp_path, text)
    assert (error.line, words in error.message) == (line, True), error.message


def test_cross_references_are_checked_with_the_line_of_the_mistake(tmp_path: Path) -> None:
    error = _error(
        tmp_path,
        """
        [channels.sites]
        search = ["google"]

        [[channels.rules]]
        name = "Social"
        source_in = "socal"

        [[campaigns]]
        name = "launch"
        click_ids = ["gclid"]
        """,
    )
    assert error.line == 6
    assert "no site list 'socal'" in error.message
    error = _error(tmp_path, '[[campaigns]]\nname = "launch"\nclick_ids = ["glcid"]\n')
    assert (error.line, "'glcid' is not in the click-ID registry" in error.message) == (3, True)


def test_plugin_codes_may_get_a_severity(tmp_path: Path) -> None:
    path = team_file(tmp_path, '[severity]\n"acme.consent" = "info"\n')
    assert load_taxonomy(path).severity_of("acme.consent") == "info"


def test_a_missing_file_or_a_directory_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.toml")
    with pytest.raises(TaxonomyError, match="is a directory"):
        load_taxonomy(tmp_path)


def test_line_of_finds_keys_in_tables_arrays_and_inline_tables() -> None:
    text = 'a = 1\n[t]\nx = {y = "z"}\n[[arr]]\nk = 1\n[[arr]]\nk = 2\n# k = 3\n'
    assert line_of(text, ["a"]) == 1
    assert line_of(text, ["t", "x", "y"]) == 3
    assert line_of(text, ["arr", 1, "k"]) == 7
    assert line_of(text, ["missing"]) == 1
