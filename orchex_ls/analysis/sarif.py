"""SARIF 2.1.0 rendering of a report (one rule per OCX code), for GitHub code scanning."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..config import CODES
from .models import Finding, Report

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_DEFAULT_LEVEL = {"OCX100": "error", "OCX110": "note"}
_DESCRIPTIONS = {
    "OCX100": "The file could not be parsed as Python by the running interpreter.",
    "OCX101": "A function's cyclomatic complexity (radon's definition) is over the threshold.",
    "OCX102": "A function's cognitive complexity (SonarSource's definition) is over the threshold.",
    "OCX103": "A function nests blocks deeper than the threshold.",
    "OCX104": "A function has more logical lines than the threshold.",
    "OCX105": "A function takes more parameters than the threshold.",
    "OCX106": "A module's maintainability index is under the threshold.",
    "OCX107": "A block of code is duplicated (identical, or identical up to names and literals).",
    "OCX108": "A module imports more workspace modules than the threshold.",
    "OCX109": "Modules import each other in a cycle.",
    "OCX110": "A complex file that changes often: a hotspot.",
}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    if column == end_column == 1:
        # Whole lines (clones, module-level findings): no columns, so the last line is included.
        return {"startLine": line} if line == end_line else {"startLine": line, "endLine": end_line}
    if end_line == line and end_column <= column:
        end_column = column + 1
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _fingerprint(finding: Finding, seen: Counter) -> str:
    # Stable across edits elsewhere in the file: no line numbers, no measured values; an
    # occurrence count tells apart findings that would otherwise be identical.
    text = re.sub(r"\d+", "#", finding.message)
    key = f"{finding.code}|{finding.path}|{finding.symbol or ''}|{text}"
    seen[key] += 1
    return hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()[:32]


def _location(path: str, line: int, column: int, end_line: int, end_column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path, "uriBaseId": "SRCROOT"},
            "region": _region(line, column, end_line, end_column),
        }
    }


def to_sarif(report: Report, version: str) -> dict[str, Any]:
    codes = list(CODES)
    rules = [
        {
            "id": code,
            "name": _pascal(name),
            "shortDescription": {"text": name.replace("-", " ")},
            "fullDescription": {"text": _DESCRIPTIONS[code]},
            "help": {"text": f"{_DESCRIPTIONS[code]} Formula and threshold: docs/metrics.md ({code})."},
            "defaultConfiguration": {"level": _DEFAULT_LEVEL.get(code, "warning")},
            "properties": {"tags": ["maintainability"]},
        }
        for code, name in CODES.items()
    ]
    results = []
    seen: Counter = Counter()
    for finding in report.findings():
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "ruleIndex": codes.index(finding.code),
            "level": _LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                _location(finding.path, finding.line, finding.column, finding.end_line, finding.end_column)
            ],
            "partialFingerprints": {"orchexFinding/v1": _fingerprint(finding, seen)},
        }
        if finding.related:
            result["relatedLocations"] = [
                {"id": i, **_location(r.path, r.line, r.column, r.end_line, r.end_column), "message": {"text": r.message or "related"}}
                for i, r in enumerate(finding.related, 1)
            ]
        results.append(result)
    root_uri = Path(report.root).absolute().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {
                    "name": "orchex", "version": version, "semanticVersion": version, "rules": rules,
                }},
                "originalUriBaseIds": {"SRCROOT": {"uri": root_uri}},
                "invocations": [{
                    "executionSuccessful": True,
                    "toolExecutionNotifications": [
                        {
                            "level": "note",
                            "message": {"text": f"skipped: {s.reason}"},
                            "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.path, "uriBaseId": "SRCROOT"}}}],
                        }
                        for s in report.skipped
                    ],
                }],
                "results": results,
            }
        ],
    }
