"""junit.xml: one testcase per requirement, named by its id, grouped by area."""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from typing import Any


# Characters XML 1.0 cannot hold (an ANSI colour code a plugin wrote into its error text, say).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(report: dict[str, Any]) -> bytes:
    summary = report["summary"]
    suites = ET.Element("testsuites", name="vault-plugin-conformance",
                        tests=str(summary["total"]), failures=str(summary["failed"]),
                        errors=str(summary["errors"]), skipped=str(summary["skipped"]),
                        time=f"{report['duration_s']:.3f}")
    by_area: dict[str, list[dict]] = {}
    for result in report["results"]:
        by_area.setdefault(result["area"], []).append(result)
    plugin = report["plugin"]["name"]
    for area, results in by_area.items():
        suite = ET.SubElement(
            suites, "testsuite", name=f"{plugin}.{area}", tests=str(len(results)),
            failures=str(sum(r["outcome"] == "failed" for r in results)),
            errors=str(sum(r["outcome"] == "error" for r in results)),
            skipped=str(sum(r["outcome"] == "skipped" for r in results)),
            time=f"{sum(r['duration_s'] for r in results):.3f}",
        )
        for result in results:
            case = ET.SubElement(suite, "testcase", classname=f"conformance.{area}",
                                 name=f"{result['id']} [{result['level']}] {result['title']}",
                                 time=f"{result['duration_s']:.3f}")
            prefix = f"{result['id']} ({result['level']}): "  # failure messages already start with it
            message = _xml_text(result["message"])
            text = message if message.startswith(prefix) else prefix + message
            if result["outcome"] == "failed":
                ET.SubElement(case, "failure", message=text, type=result["level"]).text = text
            elif result["outcome"] == "error":
                ET.SubElement(case, "error", message=text).text = text
            elif result["outcome"] == "skipped":
                kind = result.get("skip_kind") or "blocked"
                how = f" (to check it: {result['how']})" if result.get("how") else ""
                ET.SubElement(case, "skipped", message=_xml_text(f"[{kind}] {result['message']}{how}"))
            else:
                ET.SubElement(case, "system-out").text = message
    coverage = summary.get("coverage")
    if coverage is not None:  # the verdict and its scope, for CI views that show properties
        properties = ET.Element("properties")
        for name, value in (("verdict", summary["verdict"]), ("scope", coverage["scope"]),
                            ("checked_must", coverage["checked_must"]), ("applicable_must", coverage["applicable_must"])):
            ET.SubElement(properties, "property", name=name, value=str(value))
        for suite in suites.findall("testsuite"):
            suite.insert(0, copy.deepcopy(properties))
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)
