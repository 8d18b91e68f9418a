"""docs/legal-codes.md lists every code of the contract, with the authority the statistics count it under."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from pidesk.services.escalation.domain import authorities
from pidesk.services.escalation.domain.authorities import REPORTED_TO
from pidesk.shared.vocabulary import ObligationCode, TriggerCodeV2

DOC = Path(__file__).resolve().parents[2] / "docs" / "legal-codes.md"
ROW = re.compile(r"^\| `(?P<code>[a-z0-9_]+\.[a-z0-9_]+)` \|(?P<cells>.*)\|$")


def rows() -> dict[str, list[str]]:
    """code -> its row's other cells, for every table row that starts with a code."""
    out: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if match := ROW.match(line):
            out[match["code"]] = [cell.strip() for cell in match["cells"].split("|")]
    return out


def test_every_obligation_code_is_documented() -> None:
    assert {code.value for code in ObligationCode} - set(rows()) == set()


def test_every_v2_trigger_code_is_documented() -> None:
    assert {code.value for code in TriggerCodeV2} - set(rows()) == set()


def test_each_obligation_has_a_legal_basis_and_the_authority_it_is_reported_to() -> None:
    documented = rows()
    for code in ObligationCode:
        due, report_to, basis = documented[code.value]
        assert due and basis, code
        expected = REPORTED_TO.get(code.value)
        assert report_to == (f"`{expected}`" if expected else ""), code


def test_the_v2_basis_strings_are_the_rules_own() -> None:
    documented = rows()
    assert documented["cn_cac.incident_report"][2] == (
        "CAC National Cybersecurity Incident Reporting Measures Art. 4; Classification Guide (附件)"
    )
    assert documented["lgpd.anpd_communication"][2] == "LGPD Art. 48; Res. CD/ANPD 15/2024 Arts. 5–6"
    assert documented["certin.cyber_incident"] == ["CERT-In Directions of 28 Apr 2022, direction (ii); Annexure I"]


def literal_bases() -> dict[str, str]:
    """code -> basis for every `Obligation("code", regime, duty, due, "basis")` the regime modules spell out."""
    domain = Path(authorities.__file__).parent
    found: dict[str, str] = {}
    for path in [domain / "regimes.py", *sorted((domain / "regimes_v2").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Obligation" and len(node.args) >= 5:
                code, basis = node.args[0], node.args[4]
                if isinstance(code, ast.Constant) and isinstance(basis, ast.Constant):
                    found[str(code.value)] = str(basis.value)
    return found


def test_the_documented_basis_is_the_one_the_rules_give() -> None:
    documented, bases = rows(), literal_bases()
    assert len(bases) > 30  # parsed
    assert {code: documented[code][2] for code in bases} == bases
