"""report.html and badge.svg from real certifications: complete, escaped, self-contained, shown by a browser."""

from __future__ import annotations

import copy
import html
import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape

from conformance.catalog import BY_ID, REQUIREMENTS
from conformance.cli import build_parser
from conformance.report.badge import badge_svg
from conformance.report.html import html_report

from conftest import certify_side_by_side, service_absent

pytestmark = pytest.mark.server

CERTIFIED = {"reference-secrets": 0, "mutant-revoke-does-nothing": 1}  # manifest name: the exit code it must give
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href"}
PLANTED = "<script>alert('planted')</script>"


@pytest.fixture(scope="module")
def report_dirs(tmp_path_factory) -> dict[str, Path]:
    """Report directories of real process-runtime certifications (run side by side), by manifest name."""
    return certify_side_by_side(tmp_path_factory.mktemp("certified"), CERTIFIED)


@pytest.fixture(scope="module")
def reference_document(report_dirs) -> dict:
    return json.loads((report_dirs["reference-secrets"] / "report.json").read_text())


@pytest.fixture(scope="module")
def mutant_document(report_dirs) -> dict:
    return json.loads((report_dirs["mutant-revoke-does-nothing"] / "report.json").read_text())


class Page(HTMLParser):
    """What the tests look at in a page: balanced tags, ids, URL attributes, <details> rows by section."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.urls: list[str] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.rows_by_section: dict[str, list[str]] = {}
        self.title = ""
        self._sections: list[str] = []
        self._in: str | None = None
        self.feed(text)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed at the end: {self.stack}")

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        self.urls += [value or "" for name, value in attrs if name in URL_ATTRIBUTES]
        if tag == "section":
            self._sections.append(attributes.get("id") or "")
        if tag == "details" and "data-id" in attributes and self._sections:
            self.rows_by_section.setdefault(self._sections[-1], []).append(attributes["data-id"])
        if tag in ("style", "script", "title"):
            self._in = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag == "section":
            self._sections.pop()
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)
        elif self._in == "title":
            self.title += data


def assert_self_contained(page: Page) -> None:
    assert page.problems == []
    external = [u for u in page.urls if not u.startswith("#")]
    assert external == [], f"references outside the page: {external}"
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert all("http" not in script and "fetch" not in script and "XMLHttpRequest" not in script
               for script in page.scripts)


def failed_ids(document: dict) -> list[str]:
    return [r["id"] for r in document["results"] if r["outcome"] in ("failed", "error")]


@pytest.mark.parametrize("which", ["reference_document", "mutant_document"])
def test_page_parses_lists_every_requirement_and_failures_first(which, request):
    document = request.getfixturevalue(which)
    text = html_report(document)
    page = Page(text)
    assert_self_contained(page)
    assert page.title.startswith(f"{document['plugin']['name']}: {document['summary']['verdict']}")
    assert "verdict" in page.ids and "failures" in page.ids
    # every requirement once in its area, the failures (and only they) again in the section that comes first
    in_areas = [rid for section, rows in page.rows_by_section.items() if section.startswith("area-") for rid in rows]
    assert sorted(in_areas) == sorted(r["id"] for r in document["results"]) == sorted(r.id for r in REQUIREMENTS)
    assert page.rows_by_section.get("failures", []) == failed_ids(document)
    assert list(page.rows_by_section)[0] == "failures" or not failed_ids(document)
    assert page.ids.index("failures") < min(page.ids.index(i) for i in page.ids if i.startswith("area-"))


def test_failures_section_holds_exactly_the_mutants_failures(mutant_document, reference_document):
    assert failed_ids(mutant_document) == ["LEASE-005", "LEASE-007"]
    assert Page(html_report(mutant_document)).rows_by_section["failures"] == ["LEASE-005", "LEASE-007"]
    assert "failures" not in Page(html_report(reference_document)).rows_by_section
    assert "No requirement failed" in html_report(reference_document)


def test_each_row_carries_message_source_evidence_and_a_command_the_cli_accepts(mutant_document):
    text = html_report(mutant_document)
    lease5 = next(r for r in mutant_document["results"] if r["id"] == "LEASE-005")
    row = text[text.index('id="f-LEASE-005"'):]
    row = row[:row.index("</details>")]
    assert escape(lease5["message"]) in row
    assert escape(BY_ID["LEASE-005"].source) in row
    assert escape(json.dumps(lease5["evidence"], indent=2, ensure_ascii=False)) in row
    command = re.search(r'<code class="cmd">(.*?)</code>', row).group(1)
    words = shlex.split(html.unescape(command))
    assert words[:2] == ["vault-conformance", "certify"]
    args = build_parser().parse_args(words[1:])
    # The run used a manifest: the command carries it (without it LEASE-005 would be skipped, not reproduced).
    assert (args.manifest, args.keyword, args.runtime, args.server_version) == (
        [mutant_document["plugin"]["manifest"]], "LEASE-005", "process", mutant_document["server"]["version"])


def test_evidence_message_and_title_are_escaped(mutant_document):
    document = copy.deepcopy(mutant_document)
    document["plugin"]["name"] = "<b>plugin</b>"
    target = document["results"][0]
    target["evidence"] = {"planted": PLANTED, PLANTED: ["<img src=x onerror=alert(1)>"]}
    target["message"] = f"message {PLANTED}"
    target["title"] = f"title {PLANTED}"
    document["results"][-1]["outcome"] = "failed"  # one in the failures section too
    document["results"][-1]["evidence"] = {"x": PLANTED}
    text = html_report(document)
    page = Page(text)
    assert page.problems == []
    assert "<script>alert" not in text and "<img" not in text and "<b>plugin" not in text
    assert str(escape(PLANTED)) in text
    assert page.tags.count("script") == 1 and "img" not in page.tags and "b" not in page.tags
    assert page.urls == [u for u in page.urls if u.startswith("#")]


def test_processes_metrics_and_baseline_are_shown(reference_document):
    document = copy.deepcopy(reference_document)
    assert document["processes"], "a process-runtime run records the plugin processes"
    document["baseline"] = {"path": "/tmp/base/report.json", "regressions": ["LEASE-005"], "improvements": ["PATH-002"]}
    document["multiplexing"] = {"reported": True, "mounts": 2, "processes": 1, "served_as": "multiplexed"}
    text = html_report(document)
    page = Page(text)
    assert {"processes", "metrics", "counts", "baseline"} <= set(page.ids)
    for process in document["processes"]:
        assert f">{process['pid']}<" in text
    assert "multiplexing" in page.ids and "<th>served as</th><td class=\"num\">multiplexed</td>" in text
    assert "1 regressed" in text and "1 improved" in text and 'href="#r-LEASE-005"' in text
    assert f"{document['metrics']['handshake_ms']} ms" in text
    musts = [r for r in document["results"] if r["level"] == "MUST"]
    assert f"<td class=\"num\">{len(musts)}</td>" in text
    assert "baseline" not in Page(html_report(reference_document)).ids


# ------------------------------------------------------------------------------------------------------ badge

def svg_text(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # valid XML, or this raises
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_badge_of_the_reference_says_conformant(reference_document):
    svg = badge_svg(reference_document)
    assert "conformant" in svg_text(svg) and "conformance" in svg_text(svg)
    assert 'fill="#4c1"' in svg
    assert not re.search(r'(href|src)="(?!#)', svg)


def test_badge_of_the_mutant_counts_musts(mutant_document):
    musts = [r for r in mutant_document["results"] if r["level"] == "MUST" and r["outcome"] != "skipped"]
    passed = sum(r["outcome"] == "passed" for r in musts)
    texts = svg_text(badge_svg(mutant_document))
    assert f"{passed} of {len(musts)} MUST" in texts
    assert len(musts) - passed == mutant_document["summary"]["must_failed"] == 2
    errored = copy.deepcopy(mutant_document)
    errored["summary"]["verdict"] = "error"
    assert "error" in svg_text(badge_svg(errored))


# ---------------------------------------------------------------------------------------------------- browser

def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        service_absent("no chromium/chromedriver on PATH (the headless browser check of report.html needs them)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        service_absent("selenium is not installed (pip install -e '.[test]'; it drives the system chromium)")
    return browser, driver


@pytest.fixture(scope="module")
def browser():
    """A headless chromium, its network cut off (every host unresolvable, every proxy a dead port)."""
    browser_path, driver_path = chromium_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--window-size=1280,1600", "--host-resolver-rules=MAP * ~NOTFOUND",
                     "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    yield driver
    driver.quit()


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.parametrize("name", list(CERTIFIED))
def test_chromium_renders_the_report_offline(name, browser, report_dirs):
    from selenium.webdriver.common.by import By

    report_dir = report_dirs[name]
    document = json.loads((report_dir / "report.json").read_text())
    page = report_dir / "report.html"
    page.write_text(html_report(document))
    browser.get_log("browser"), browser.get_log("performance")  # start from empty logs
    browser.get(page.as_uri())

    verdict = document["summary"]["verdict"]
    assert browser.title.startswith(f"{name}: {verdict}")
    shown = browser.find_element(By.ID, "verdict")
    assert shown.is_displayed() and shown.text.splitlines()[0] == verdict.upper()
    assert shown.size["height"] > 30 and shown.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    # a row opens on a click, and its evidence shows
    first = document["results"][0]["id"]
    evidence = browser.find_element(By.CSS_SELECTOR, f"#r-{first} pre.evidence")
    assert not evidence.is_displayed()
    browser.find_element(By.CSS_SELECTOR, f"#r-{first} > summary").click()
    assert evidence.is_displayed()
    # printing shows every row's evidence: by CSS (::details-content) and by the beforeprint handler
    closed = f"#r-{document['results'][-1]['id']} pre.evidence"
    check = f"return document.querySelector('{closed}').checkVisibility()"
    assert browser.execute_script(check) is False
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert browser.execute_script(check) is True
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.execute_script("return document.querySelectorAll('details:not([open])').length") == 0
    browser.execute_script("window.dispatchEvent(new Event('afterprint'))")
    assert browser.execute_script("return document.querySelectorAll('details[open]').length") == 1

    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(report_dir / "screenshot.png"))
    assert (report_dir / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []  # also proves the CSP let the print script run (a blocked script logs SEVERE)
    assert [u for u in requested_urls(browser) if not u.startswith(("file:", "data:"))] == []
