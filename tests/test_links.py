"""``martech links``: campaign link QA, against a real HTTP server on 127.0.0.1 only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from console.cli import create_cli
from console.cli.context import AppContext
from console.errors import InputError
from console.host import PluginHost
from console.links import LinkInput, check_links, lint, read_links
from console.report import Report, render_table
from console.settings import Settings
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from tests.report_helpers import assert_junit_shape
from tests.taxonomy_helpers import team_file

TAGS = "utm_source=google&utm_medium=cpc&utm_campaign=brand_us&gclid=Cj0K"


class Site(BaseHTTPRequestHandler):
    """Redirects that keep the query, drop it, add a trailing slash, loop; a 404; no HEAD."""

    def do_HEAD(self) -> None:
        self.answer(head=True)

    def do_GET(self) -> None:
        self.answer(head=False)

    def answer(self, *, head: bool) -> None:
        path, _, query = self.path.partition("?")
        q = f"?{query}" if query else ""
        routes = {
            "/keep": (302, f"/landing{q}"),
            "/drop": (302, "/landing"),
            "/pricing": (301, "/pricing/"),  # the classic trailing-slash rule that loses the query
            "/pricing-ok": (301, f"/pricing/{q}"),
            "/chain": (301, f"/drop{q}"),
            "/lower": (302, f"/landing{q.lower()}"),
            "/loop-a": (302, f"/loop-b{q}"),
            "/loop-b": (302, f"/loop-a{q}"),
            "/many": (302, f"/many{q}&n={len(q)}"),
        }
        if path == "/nohead" and head:
            self.reply(405)
        elif path == "/nohead":
            self.reply(302, f"/landing{q}")
        elif path in routes:
            self.reply(*routes[path])
        elif path in ("/landing", "/pricing/"):
            self.reply(200)
        else:
            self.reply(404)

    def reply(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_taxonomy())


def follow(validator: Validator, *urls: str, **options: Any) -> list[Any]:
    report = Report("links", "test", "default", keep_clean=True)
    links = [LinkInput(url, f"argument {n}") for n, url in enumerate(urls, start=1)]
    return check_links(links, validator, report, follow=True, timeout=5, **options)


def codes(result: Any) -> list[str]:
    return [f.code for f in result.findings]


# -- reading links ---------------------------------------------------------------------------


def test_links_come_from_arguments_csv_exports_and_text_files(tmp_path: Path) -> None:
    builder = tmp_path / "utm-builder.csv"
    builder.write_text(
        "Website URL,Campaign Source,Campaign URL\n"
        f"https://a.io/,google,https://a.io/?{TAGS}\n"
        ",,\n"
        "https://a.io/b,bing,https://a.io/b?utm_source=bing\n"
    )
    ads = tmp_path / "google-ads.csv"
    ads.write_text(f"Campaign;Ad group;Final URL\nbrand;exact;https://a.io/?{TAGS}\n")
    text = tmp_path / "links.txt"
    text.write_text("# launch links\nhttps://a.io/x?utm_source=x\n\nhttps://a.io/y\n")
    links = read_links([str(builder), "https://a.io/direct", str(ads), str(text)])
    assert [(link.url.split("?")[0], link.origin) for link in links] == [
        ("https://a.io/", f"{builder}:2"),
        ("https://a.io/b", f"{builder}:4"),
        ("https://a.io/direct", "argument 2"),
        ("https://a.io/", f"{ads}:2"),
        ("https://a.io/x", f"{text}:2"),
        ("https://a.io/y", f"{text}:4"),
    ]


def test_a_csv_without_a_url_column_or_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("name,source\nlaunch,google\n")
    with pytest.raises(InputError, match=r"no URL column \(columns: name, source\)"):
        read_links([str(sheet)])
    with pytest.raises(InputError, match="neither a URL nor an existing file"):
        read_links([str(tmp_path / "nope.csv")])


# -- linting ---------------------------------------------------------------------------------


def test_lint_finds_what_is_wrong_with_a_link_before_anyone_clicks(validator: Validator) -> None:
    def check(url: str, campaign: str | None = None) -> list[str]:
        return codes(lint(LinkInput(url, "x"), validator, campaign))

    assert check(f"https://a.io/?{TAGS}") == []
    assert check("https://a.io/pricing") == ["link.no_campaign"]
    assert check("mailto:someone@a.io") == ["link.invalid"]
    assert check(
        "https://a.io/?utm_source=Facebook&utm_medium=paid_social&utm_campaign="
        "{{campaign.name}}&gclid=x"
    ) == [
        "utm.uppercase",
        "utm.placeholder",
        "click_id.source_mismatch",
    ]
    assert check(
        "https://a.io/?utm_source=newsletter&utm_medium=email&utm_campaign=x"
        "&utm_content=jane%40doe.com"
    ) == ["utm.pii"]
    assert check(f"https://a.io/?{TAGS}", campaign="spring") == ["campaign.expectation"]
    assert "channel.unassigned" in check("https://a.io/?utm_source=a&utm_medium=qr&utm_campaign=b")


def test_a_link_gets_its_predicted_channel(validator: Validator) -> None:
    assert lint(LinkInput(f"https://a.io/?{TAGS}", "x"), validator).channel == "Paid Search"
    auto = lint(LinkInput("https://a.io/?gclid=Cj0K", "x"), validator)
    assert auto.channel == "Paid Search"


def test_declared_campaigns_and_internal_domains_apply_to_links(tmp_path: Path) -> None:
    tax = load_taxonomy(
        team_file(
            tmp_path,
            """
            extends = "default"
            [site]
            internal_domains = ["acme.io"]
            [[campaigns]]
            name = "launch"
            sources = ["linkedin"]
            mediums = ["paid_social"]
            landing_domains = ["www.acme.io"]
            """,
        )
    )
    validator = Validator(tax)
    right = "https://www.acme.io/?utm_source=linkedin&utm_medium=paid_social&utm_campaign=launch"
    wrong = "https://acme.shop/?utm_source=google&utm_medium=cpc&utm_campaign=launch"
    assert codes(lint(LinkInput(right, "x"), validator)) == []
    fields = [f.field for f in lint(LinkInput(wrong, "x"), validator).findings]
    assert fields == ["utm_source", "utm_medium", "landing_domain"]
    blog = "https://blog.other.io/?utm_source=google&utm_medium=cpc&utm_campaign=x"
    assert codes(lint(LinkInput(blog, "x"), validator)) == ["link.off_site"]


# -- following redirects ---------------------------------------------------------------------


def test_a_redirect_that_keeps_the_query_is_clean(site: str, validator: Validator) -> None:
    (result,) = follow(validator, f"{site}/keep?{TAGS}")
    assert codes(result) == []
    assert result.trace.status == 200
    assert result.trace.final_url == f"{site}/landing?{TAGS}"
    assert [h.status for h in result.trace.hops] == [302, 200]


def test_a_redirect_that_drops_the_query_says_which_hop_lost_what(
    site: str, validator: Validator
) -> None:
    (result,) = follow(validator, f"{site}/chain?{TAGS}")
    dropped = [f for f in result.findings if f.code == "redirect.param_dropped"]
    assert [f.field for f in dropped] == ["utm_source", "utm_medium", "utm_campaign", "gclid"]
    assert f"hop 2: 302 {site}/drop?" in dropped[0].message
    assert dropped[0].message.endswith(f"-> {site}/landing")
    assert result.trace.status == 200


def test_the_trailing_slash_301_is_caught_and_a_good_one_passes(
    site: str, validator: Validator
) -> None:
    bad, good = follow(validator, f"{site}/pricing?{TAGS}", f"{site}/pricing-ok?{TAGS}")
    assert set(codes(bad)) == {"redirect.param_dropped"}
    assert "hop 1: 301" in bad.findings[0].message
    assert codes(good) == []


def test_loops_errors_changed_values_and_head_refusals(site: str, validator: Validator) -> None:
    loop, missing, lower, nohead, many = follow(
        validator,
        f"{site}/loop-a?{TAGS}",
        f"{site}/missing?{TAGS}",
        f"{site}/lower?utm_source=google&utm_medium=cpc&utm_campaign=Brand_US",
        f"{site}/nohead?{TAGS}",
        f"{site}/many?{TAGS}",
    )
    assert codes(loop) == ["redirect.loop"]
    assert codes(missing) == ["redirect.status"]
    assert missing.findings[0].value == "404"
    assert "utm.uppercase" in codes(lower) and "redirect.param_changed" in codes(lower)
    assert codes(nohead) == []
    assert nohead.trace.hops[0].method == "GET"
    assert codes(many) == ["redirect.too_many"]


def test_an_unreachable_link_is_reported_not_raised(validator: Validator) -> None:
    (result,) = follow(validator, f"http://127.0.0.1:9/?{TAGS}")
    assert codes(result) == ["redirect.unreachable"]
    report = Report("links", "test", "default")
    report.add(result.subject())
    row = next(line for line in render_table(report).splitlines() if "127.0.0.1:9/" in line)
    assert row.split()[-1] == "-" and "None" not in row  # no landing, no status: a dash


def test_a_probe_click_id_checks_what_the_ad_network_will_add(
    site: str, validator: Validator
) -> None:
    tags = "utm_source=google&utm_medium=cpc&utm_campaign=brand"
    kept, lost = follow(validator, f"{site}/keep?{tags}", f"{site}/drop?{tags}", probes=["gclid"])
    assert codes(kept) == []
    assert kept.trace.final_url.endswith("&gclid=martech-probe")
    probe = [f for f in lost.findings if f.field == "gclid"]
    assert "(added as a probe)" in probe[0].message


# -- the command -----------------------------------------------------------------------------


def run(tmp_path: Path, host: PluginHost, *args: str, stdin: str | None = None) -> Any:
    app = AppContext(Settings(db_path=tmp_path / "wh.db"), host)
    return CliRunner().invoke(create_cli(), ["links", *args], obj=app, input=stdin)


def test_the_command_exits_0_when_every_link_is_clean(
    site: str, tmp_path: Path, host: PluginHost
) -> None:
    result = run(tmp_path, host, f"{site}/keep?{TAGS}", "--follow-redirects")
    assert result.exit_code == 0, result.output
    assert (
        "1 link from the command line against" in result.output
        and "1 link: 1 good" in result.output
    )
    assert "200 " + f"{site}/landing?" in result.output


def test_the_command_fails_ci_with_junit_for_each_lost_parameter(
    site: str, tmp_path: Path, host: PluginHost
) -> None:
    links = tmp_path / "links.csv"
    links.write_text(f"Tagged URL\n{site}/keep?{TAGS}\n{site}/drop?{TAGS}\n")
    result = run(tmp_path, host, str(links), "--follow-redirects", "--format", "junit")
    assert result.exit_code == 1
    root = assert_junit_shape(result.output)
    suites = {suite.get("name"): suite for suite in root}
    assert suites["redirect.param_dropped"].get("failures") == "4"
    assert suites["passed"][0].get("name") == f"{site}/keep?{TAGS}"
    as_json = json.loads(run(tmp_path, host, str(links), "--format", "json").output)
    assert [s["details"]["origin"] for s in as_json["subjects"]] == [
        f"{links}:2",
        f"{links}:3",
    ]


def test_the_command_s_usage_errors_exit_2_and_stdin_is_a_file_of_links(
    tmp_path: Path, host: PluginHost
) -> None:
    assert run(tmp_path, host, "https://a.io/?utm_source=x", "--probe", "gclid").exit_code == 2
    missing = run(tmp_path, host, str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "neither a URL nor an existing file" in missing.output
    assert run(tmp_path, host, "-", stdin="").exit_code == 2
    assert run(tmp_path, host, "-", stdin=f"https://a.io/?{TAGS}\n").exit_code == 0


def test_the_sample_links_csv_finds_each_planted_problem(tmp_path: Path) -> None:
    from tests.conftest import ROOT, run_martech

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MARTECH_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    out = run_martech(
        [
            "links",
            str(ROOT / "sample_data" / "links.csv"),
            "--format",
            "json",
            "--taxonomy",
            str(ROOT / "sample_data" / "team_taxonomy.toml"),
            "--campaign",
            "q3_launch_2026",
        ],
        env,
    )
    assert out.returncode == 1, out.stderr
    report = json.loads(out.stdout)
    verdicts = {s["details"]["origin"].rsplit(":", 1)[1]: s["verdict"] for s in report["subjects"]}
    codes = {
        s["details"]["origin"].rsplit(":", 1)[1]: {f["code"] for f in s["findings"]}
        for s in report["subjects"]
    }
    assert verdicts == {"2": "good", "3": "good", "4": "bad", "5": "bad", "6": "bad", "7": "bad"}
    assert "utm.uppercase" in codes["4"]
    assert "utm.placeholder" in codes["5"]
    assert "medium.unknown" in codes["6"] and "campaign.expectation" in codes["6"]
    assert "link.no_campaign" in codes["7"]
