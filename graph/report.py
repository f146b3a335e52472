"""Audit reports: text for people, JSON, SARIF 2.1.0 and JUnit XML for CI systems, Turtle (SHACL)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from rdflib import RDF, Literal

from plankg import __version__

from .audit import RANK, SH, AuditResult, rule_titles
from .rules import INFO, VIOLATION, WARNING, Finding

SARIF_LEVEL = {VIOLATION: "error", WARNING: "warning", INFO: "note"}


def render(result: AuditResult, fmt: str) -> str:
    return {"text": text, "json": as_json, "sarif": sarif, "junit": junit, "ttl": turtle}[fmt](result)


def _where(f: Finding) -> str:
    span = next((s for s in f.spans if s.line is not None), None)
    if span is None:
        return ""
    quote = span.text.replace("\n", " ").replace("\t", " ")
    quote = quote if len(quote) <= 60 else quote[:57] + "…"
    return f"L{span.line} [{span.start}:{span.end}] “{quote}”"


def text(result: AuditResult) -> str:
    lines = []
    for f in result.findings:
        zh, en, _ = rule_titles(f.rule)
        lines.append(f"{f.severity.upper():9} {f.rule} ({zh}) · {f.label}")
        lines.append(f"          {f.message}")
        if f.values:
            lines.append("          " + "; ".join(f"{k} = {v}" for k, v in f.values.items()))
        for span in f.spans:
            if span.line is not None:
                quote = span.text.replace("\n", " ").replace("\t", " ")
                lines.append(f"          at {result.plans.get(f.plan, '')}:{span.line} [{span.start}:{span.end}] "
                             f"“{quote if len(quote) <= 80 else quote[:77] + '…'}”")
    lines.append(f"{len(result.plans)} plan(s): {result.count(VIOLATION)} violations, {result.count(WARNING)} warnings, "
                 f"{result.count(INFO)} info")
    return "\n".join(lines)


def as_json(result: AuditResult) -> str:
    data = {
        "schema": "plankg-audit/1",
        "generator": f"plankg {__version__}",
        "plans": [{"plan": p, "source": s} for p, s in result.plans.items()],
        "summary": {VIOLATION: result.count(VIOLATION), WARNING: result.count(WARNING), INFO: result.count(INFO)},
        "findings": [f.as_json() for f in result.findings],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def sarif(result: AuditResult) -> str:
    rules = sorted({f.rule for f in result.findings})
    driver_rules = []
    for rule in rules:
        zh, en, desc = rule_titles(rule)
        worst = min((f.severity for f in result.findings if f.rule == rule), key=RANK.get)
        driver_rules.append({"id": rule, "name": rule.replace(":", "-"), "shortDescription": {"text": f"{en} ({zh})"},
                             "fullDescription": {"text": desc},
                             "defaultConfiguration": {"level": SARIF_LEVEL[worst]}})
    results = []
    for f in result.findings:
        locations = []
        for span in f.spans[:1]:
            if span.line is None:
                continue
            locations.append({"physicalLocation": {
                "artifactLocation": {"uri": result.plans.get(f.plan) or "plan.txt"},
                "region": {"startLine": span.line, "charOffset": span.start,
                           "charLength": (span.end or 0) - (span.start or 0), "snippet": {"text": span.text}}}})
        results.append({"ruleId": f.rule, "ruleIndex": rules.index(f.rule), "level": SARIF_LEVEL[f.severity],
                        "message": {"text": f.message},
                        "locations": locations,
                        "properties": {"entity": f.entity, "label": f.label,
                                       "values": {k: str(v) for k, v in f.values.items()}}})
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "plankg", "version": __version__,
                                         "informationUri": "https://w3id.org/plankg", "rules": driver_rules}},
                     "results": results}]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def junit(result: AuditResult) -> str:
    """One test suite per rule, one test case per finding: violations and warnings fail."""
    suites = ET.Element("testsuites", name="plankg audit")
    for rule in sorted({f.rule for f in result.findings}):
        found = [f for f in result.findings if f.rule == rule]
        failing = [f for f in found if f.severity in (VIOLATION, WARNING)]
        suite = ET.SubElement(suites, "testsuite", name=rule, tests=str(len(found)), failures=str(len(failing)),
                              errors="0", skipped="0")
        for f in found:
            case = ET.SubElement(suite, "testcase", classname=rule, name=f"{f.label} ({_where(f)})")
            if f.severity in (VIOLATION, WARNING):
                failure = ET.SubElement(case, "failure", message=f.message, type=f.severity)
                failure.text = "\n".join(f"{k} = {v}" for k, v in f.values.items())
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f.message
    suites.set("tests", str(len(result.findings)))
    suites.set("failures", str(sum(1 for f in result.findings if f.severity in (VIOLATION, WARNING))))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def turtle(result: AuditResult) -> str:
    return report_graph(result).serialize(format="turtle")


def report_graph(result: AuditResult):
    """The SHACL validation report graph: conforms unless a violation was found (rule findings
    included), every result linked from the report."""
    report = result.report
    conforms = not any(f.severity == VIOLATION for f in result.findings)
    for r in list(report.subjects(RDF.type, SH.ValidationReport)):
        report.set((r, SH.conforms, Literal(conforms)))
        for vr in report.subjects(RDF.type, SH.ValidationResult):
            report.add((r, SH.result, vr))
    return report
