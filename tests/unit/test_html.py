"""report.html (report.html.html_report): one self-contained page from report.json."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from conformance.catalog import AREAS
from conformance.report.html import (PRINT_SCRIPT, area_rank, csp_hash, duration, html_report, reproduce_command,
                                     tally)
from unit_samples import (AUTH_WIRE, BASELINE, BEFORE_COVERAGE, DEADLINE, MUTANT, NO_MANIFEST, SAMPLES, SECRETS,
                          result, sample)


class Page(HTMLParser):
    """The parts of a page the tests look at: elements by id, every tag's attributes, scripts' text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.ids: dict[str, dict] = {}
        self.scripts: list[str] = []
        self._in_script = False
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            assert attributes["id"] not in self.ids, f"duplicate id {attributes['id']}"
            self.ids[attributes["id"]] = {"tag": tag, **attributes}
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        self._text.append(data)

    @property
    def text(self) -> str:
        return "".join(self._text)


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[dict, str, Page]]:
    rendered = {}
    for name in SAMPLES:
        document = sample(name)
        html = html_report(document)
        rendered[name] = (document, html, Page(html))
    return rendered


def test_every_recorded_run_renders_one_details_per_result_in_its_area(pages):
    for name, (document, _, page) in pages.items():
        for r in document["results"]:
            element = page.ids[f"r-{r['id']}"]
            assert (element["tag"], element["data-outcome"]) == ("details", r["outcome"]), (name, r["id"])
        assert sum(1 for tag, a in page.tags if tag == "details" and a["id"].startswith("r-")) == len(document["results"])


def test_the_failures_section_holds_exactly_the_failed_and_errored(pages):
    for name, (document, _, page) in pages.items():
        bad = {r["id"] for r in document["results"] if r["outcome"] in ("failed", "error")}
        assert {i.removeprefix("f-") for i in page.ids if i.startswith("f-")} == bad, name


def verdict_block(html: str) -> str:
    return html.split('<div id="verdict"', 1)[1].split("</div>", 1)[0]


def test_the_verdict_block_tells_the_headline_and_the_coverage(pages):
    _, html, page = pages[NO_MANIFEST]
    block = verdict_block(html)
    assert page.ids["verdict"]["class"] == "verdict v-incomplete"
    assert "<small>incomplete, 20 MUSTs unchecked</small>" in block
    assert '<small id="coverage">MUSTs checked: 38 of all 58 applicable MUSTs</small>' in block


def test_a_run_that_regressed_is_marked_so_whatever_its_verdict(pages):
    _, html, page = pages[BASELINE]
    assert page.ids["verdict"]["class"] == "verdict v-regressed"
    assert "<small>non-conformant, regressed against the baseline</small>" in verdict_block(html)
    assert pages[MUTANT][2].ids["verdict"]["class"] == "verdict v-non-conformant"


def test_a_report_made_before_coverage_still_renders():
    document = sample(BEFORE_COVERAGE)
    html = html_report(document)
    page = Page(html)
    assert page.ids["verdict"]["class"] == "verdict v-conformant" and "coverage" not in page.ids
    assert len([i for i in page.ids if i.startswith("r-")]) == len(document["results"])


def test_the_verdict_and_counts_head_the_page(pages):
    _, html, page = pages[MUTANT]
    assert page.ids["verdict"]["class"] == "verdict v-non-conformant"
    assert "65 passed · 2 failed (2 MUST) · 22 skipped · 0 errors" in page.text
    assert re.search(r"<title>mutant-revoke-does-nothing: non-conformant — plugin conformance report</title>", html)
    assert pages[DEADLINE][2].ids["verdict"]["class"] == "verdict v-error"


def test_the_areas_come_in_catalog_order(pages):
    _, _, page = pages[SECRETS]
    sections = [a["id"].removeprefix("area-") for tag, a in page.tags if tag == "section" and
                a.get("id", "").startswith("area-")]
    assert sections == sorted(sections, key=area_rank)
    assert sections[0] == "handshake" and len(sections) == len(AREAS)


def test_the_level_table_counts(pages):
    _, html, _ = pages[DEADLINE]
    counts = html.split('id="counts"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><th>(\w+)</th>(.*?)</tr>", counts)
    cells = {level: re.findall(r">(\d+)</td>", row) for level, row in rows if level != "level"}
    document = sample(DEADLINE)
    expected = {}
    for level in ("MUST", "SHOULD"):
        of_level = [r for r in document["results"] if r["level"] == level]
        expected[level] = [str(sum(r["outcome"] == o for r in of_level)) for o in ("passed", "failed", "skipped", "error")]
        expected[level].append(str(len(of_level)))
    assert cells == expected and int(expected["MUST"][3]) > 0 and expected["MUST"][4] == "75"


def test_the_only_script_is_the_print_helper_allowed_by_its_hash(pages):
    _, html, page = pages[SECRETS]
    assert page.scripts == [PRINT_SCRIPT]
    digest = base64.b64encode(hashlib.sha256(PRINT_SCRIPT.encode()).digest()).decode()
    assert csp_hash(PRINT_SCRIPT) == f"sha256-{digest}"
    csp = next(a["content"] for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp


def test_it_fetches_nothing(pages):
    for name, (_, html, page) in pages.items():
        links = [a.get("href") or a.get("src") for tag, a in page.tags if a.get("href") or a.get("src")]
        assert all(link.startswith("#") for link in links), (name, [l for l in links if not l.startswith("#")])
        assert "@import" not in html and "url(http" not in html


def test_planted_markup_is_text_not_markup():
    document = sample(MUTANT)
    planted = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    document["plugin"]["name"] = planted
    result(document, "LEASE-005")["message"] = planted
    result(document, "LEASE-005")["evidence"] = {"answer": planted}
    html = html_report(document)
    page = Page(html)
    assert page.scripts == [PRINT_SCRIPT]
    assert not any(tag == "img" for tag, _ in page.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert page.text.count(planted) >= 3  # name, message (twice), evidence: shown as text


def test_a_result_row_shows_message_source_reproduce_command_and_evidence(pages):
    document, html, _ = pages[MUTANT]
    row = html.split('id="r-LEASE-005"', 1)[1].split("</details>", 1)[0]
    assert "vault-conformance certify --manifest plugins_under_test/manifests/mutant-revoke-does-nothing.toml " \
           "--runtime process --server openbao --server-version 2.7.2 -k LEASE-005" in row
    assert "openbao/openbao" in row  # the catalog's source
    assert "&#34;status&#34;" in row or "&quot;status&quot;" in row  # the evidence, as escaped JSON


def test_a_result_the_catalog_does_not_know_says_so():
    document = sample(SECRETS)
    result(document, "HS-001")["id"] = "HS-999"
    html = html_report(document)
    row = html.split('id="r-HS-999"', 1)[1].split("</details>", 1)[0]
    assert "not in this tool&#39;s catalog" in row


@pytest.mark.parametrize("change, words", [
    ({}, ["/work/main/plugins_under_test/bin/reference-auth", "--type", "auth", "--runtime", "wire", "-k", "HS-001"]),
    ({"name": "my-auth"}, ["/work/main/plugins_under_test/bin/reference-auth", "--type", "auth", "--name", "my-auth",
                           "--runtime", "wire", "-k", "HS-001"]),
    ({"version": "v1.0.0"}, ["/work/main/plugins_under_test/bin/reference-auth", "--type", "auth",
                             "--plugin-version", "v1.0.0", "--runtime", "wire", "-k", "HS-001"]),
    ({"manifest": "m.toml"}, ["--manifest", "m.toml", "--runtime", "wire", "-k", "HS-001"]),
    ({"path": "/a dir/reference-auth"}, ["'/a dir/reference-auth'", "--type", "auth", "--runtime", "wire", "-k",
                                         "HS-001"]),
], ids=["as-run", "other-name", "version", "manifest", "quoted-path"])
def test_reproduce_command(change, words):
    document = sample(AUTH_WIRE)
    document["plugin"].update(change)
    assert reproduce_command(document, "HS-001") == " ".join(["vault-conformance", "certify", *words])


def test_reproduce_command_names_the_server_when_one_ran():
    document = sample(SECRETS)
    assert reproduce_command(document, "PATH-001").endswith(
        "--runtime process --server openbao --server-version 2.7.2 -k PATH-001")
    document["server"].update(kind="vault", version="1.18.0")
    assert reproduce_command(document, "PATH-001").endswith(
        "--runtime process --server vault --server-version 1.18.0 -k PATH-001")
    document["server"]["version"] = None
    assert reproduce_command(document, "PATH-001").endswith("--runtime process --server vault -k PATH-001")


def document_of(pages, name):
    return pages[name][0]


def test_the_baseline_card_links_the_regressions(pages):
    _, html, page = pages[BASELINE]
    assert "baseline" in page.ids
    card = html.split('id="baseline"', 1)[1].split("</section>", 1)[0]
    regressed, lost = card.split('id="lost-coverage"', 1)
    assert re.findall(r'href="#r-([A-Z]+-\d+)"', regressed) == ["LEASE-005", "LEASE-007"]
    assert "<strong>2 regressed</strong>" in card
    assert re.findall(r'href="#r-([A-Z]+-\d+)"', lost) == document_of(pages, BASELINE)["baseline"]["lost_coverage"]
    assert "baseline" not in pages[SECRETS][2].ids


def test_a_baseline_without_regressions_says_so_and_lists_improvements():
    document = sample(SECRETS)
    document["baseline"] = {"path": "old.json", "regressions": [], "improvements": ["LEASE-005"]}
    card = html_report(document).split('id="baseline"', 1)[1].split("</section>", 1)[0]
    assert "No regression: everything that passed in the baseline still passes and is still checked." in card
    assert "<strong>1 improved</strong>" in card and 'href="#r-LEASE-005"' in card


def test_the_processes_table_has_a_row_per_process(pages):
    document, html, page = pages[SECRETS]
    table = html.split('<section id="processes">', 1)[1].split("</section>", 1)[0]
    assert table.count("<tr><td") == len(document["processes"]) == 9
    assert "processes" not in pages[AUTH_WIRE][2].ids  # no server, no processes block


def test_the_multiplexing_card_says_yes_and_no(pages):
    _, html, _ = pages[SECRETS]
    card = html.split('id="multiplexing"', 1)[1].split("</section>", 1)[0]
    assert '<tr><th>reported</th><td class="num">yes</td></tr>' in card
    assert '<tr><th>served as</th><td class="num">one process for all mounts</td></tr>' in card
    document = sample(SECRETS)
    document["multiplexing"]["reported"] = False
    assert '<tr><th>reported</th><td class="num">no</td></tr>' in html_report(document)


def test_a_null_metric_is_a_dash_and_a_measured_one_has_its_unit(pages):
    document, html, _ = pages[DEADLINE]
    metrics = html.split('id="metrics"', 1)[1].split("</section>", 1)[0]
    assert f'<tr><th>handshake</th><td class="num">{document["metrics"]["handshake_ms"]} ms</td></tr>' in metrics
    assert document["metrics"]["rpc_p99_ms"] is None
    assert '<tr><th>RPC p99</th><td class="num"><span class="zero">—</span></td></tr>' in metrics


@pytest.mark.parametrize("seconds, shown", [(0.0004, "0 ms"), (0.5, "500 ms"), (0.9994, "999 ms"), (1, "1.00 s"),
                                            (12.345, "12.35 s"), (None, "—"), ("soon", "—")])
def test_duration(seconds, shown):
    assert duration(seconds) == shown


def test_tally_names_the_outcomes_that_occur_in_a_fixed_order():
    results = [{"outcome": o} for o in ("skipped", "passed", "error", "passed", "skipped", "skipped")]
    assert tally(results) == "2 passed · 3 skipped · 1 error"
    assert tally([]) == ""


def test_area_rank_puts_unknown_areas_last_in_name_order():
    assert area_rank("handshake") < area_rank("performance") < area_rank("aardvark") < area_rank("zebra")


@pytest.mark.parametrize("block", [{"lost_coverage": ["LEASE-005"]},
                                   {"metric_regressions": ["handshake_ms: 20.0 -> 90.0 (+350%)"], "metrics_gate": True}],
                         ids=["lost-coverage", "gated-metric"])
def test_the_baseline_card_agrees_with_the_headline(block):
    document = sample(SECRETS)
    document["baseline"] = {"path": "b.json", "regressions": [], "improvements": [], **block}
    html = html_report(document)
    assert "regressed against the baseline" in verdict_block(html)
    card = html.split('id="baseline"', 1)[1].split("</section>", 1)[0]
    assert "No regression" not in card
    assert (block.get("lost_coverage") or block["metric_regressions"])[0].split(":")[0] in card
