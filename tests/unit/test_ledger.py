"""Issue 16: the personal-information ledger as pure code — an entry's validation, field by field; the
asset matcher (normalised identifiers, wildcards, most specific first); CSV and YAML read with every
problem located and written back to the same entries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pidesk.services.escalation.domain.ledger import (
    FIELDS,
    LedgerEntry,
    LedgerInvalid,
    changed_fields,
    company_names,
    covering,
    entry_record,
    read_entry,
)
from pidesk.services.escalation.domain.ledger_assets import (
    AlertAsset,
    Asset,
    AssetError,
    AssetKind,
    Fit,
    alert_asset,
    guess_kind,
    ledger_asset,
    parse_asset,
)
from pidesk.services.escalation.domain.ledger_files import (
    LedgerFileInvalid,
    LedgerFormat,
    read_csv,
    read_ledger,
    read_yaml,
    write_csv,
    write_ledger,
    write_yaml,
)
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole

pytestmark = pytest.mark.unit


def raw(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "L-0001",
        "name": "Online shop customers",
        "company": "Example Holdings",
        "division": "Retail Sales",
        "assets": ["s3:example-customers-prod"],
        "data_categories": ["name", "address", "my_number"],
        "people_count": 48000,
        "counted_on": "2026-10-01",
        "subject_regions": {"JP": 47800, "US-CA": 200},
        "purpose": "Order fulfilment and year-end tax statements",
        "legal_basis": "Consent at sign-up; My Number Act Art. 9",
        "retention": "7 years after the last order",
        "storage_location": "AWS ap-northeast-1 (Tokyo)",
        "encryption": "standard",
        "responsible": "Satoshi Nakamura",
    }
    return {**base, **changes}


def problems(**changes: Any) -> dict[str | None, str]:
    with pytest.raises(LedgerInvalid) as refused:
        read_entry(raw(**changes))
    return {p.field: p.message for p in refused.value.problems}


# ------------------------------------------------------------------------------------------ validation


def test_an_entry_reads_every_field_and_normalises_what_it_can() -> None:
    entry = read_entry(
        raw(
            assets="S3:arn:aws:s3:::Example-Customers-Prod ; github:https://github.com/Example/CRM.git",
            data_categories="name; my_number ;name",
            people_count="48,000",
            subject_regions="jp=47800;UK=200",
            entity_role="Processor",
            on_behalf_of="Example Logistics",
            transfers="us;SG",
            retired="no",
        )
    )
    assert entry.assets == (Asset(AssetKind.S3, "example-customers-prod"), Asset(AssetKind.GITHUB, "example/crm"))
    assert entry.data_categories == (DataCategory.NAME, DataCategory.MY_NUMBER)
    assert entry.people_count == 48000 and entry.counted_on == date(2026, 10, 1)
    assert entry.subject_regions == {"GB": 200, "JP": 47800}
    assert entry.entity_role is EntityRole.PROCESSOR and entry.on_behalf_of == "Example Logistics"
    assert entry.transfers == ("US", "SG") and entry.encryption is Encryption.STANDARD and not entry.retired
    assert read_entry(entry_record(entry)) == entry  # the plain record reads back the same


def test_every_problem_is_named_by_its_field() -> None:
    assert problems(id="L 1")["id"].startswith("letters, digits")
    assert problems(name="  ")["name"] == "required"
    assert problems(assets=[])["assets"].startswith("name at least one asset")
    assert "unknown asset type 's4'" in problems(assets=["s4:bucket"])["assets"]
    assert "narrower than '*'" in problems(assets=["s3:*"])["assets"]
    assert "unknown category 'shoe_size'" in problems(data_categories=["name", "shoe_size"])["data_categories"]
    assert problems(people_count="lots")["people_count"] == "must be a whole number, not 'lots'"
    assert problems(people_count=-1)["people_count"].startswith("must be between 0")
    assert problems(counted_on="1/10/2026")["counted_on"].startswith("a date as YYYY-MM-DD")
    assert problems(counted_on=None)["counted_on"].startswith("give the date the people were counted")
    assert "'Japan'" in problems(subject_regions={"Japan": 3})["subject_regions"]
    assert "write each region with its count" in problems(subject_regions="JP")["subject_regions"]
    assert "add up to more than people_count" in problems(subject_regions={"JP": 48001})["subject_regions"]
    assert problems(entity_role="owner")["entity_role"].startswith("unknown value 'owner'")
    assert problems(entity_role="processor")["on_behalf_of"].startswith("a processor names the controller")
    assert problems(on_behalf_of="Someone")["on_behalf_of"].startswith("only a processor")
    assert problems(encryption="strong")["encryption"].startswith("unknown value 'strong'")
    assert problems(name="x" * 201)["name"] == "at most 200 characters"
    assert problems(retired="maybe")["retired"] == "true or false"
    assert problems(colour="red")["colour"].startswith("unknown field")


def test_the_owner_is_a_group_company_of_the_directory() -> None:
    companies = company_names([("jp-hq", ["Example Holdings", "本社"]), ("de-gmbh", ["Example GmbH"])])
    assert read_entry(raw(company="example holdings"), companies).company == "example holdings"
    assert read_entry(raw(company="本社"), companies) and read_entry(raw(company="de-gmbh"), companies)
    with pytest.raises(LedgerInvalid) as refused:
        read_entry(raw(company="Example Nowhere"), companies)
    assert [str(p) for p in refused.value.problems] == [
        "company: 'Example Nowhere' is not a group company of the directory (PIDESK_DIRECTORY)"
    ]
    assert read_entry(raw(company="Example Nowhere")).company == "Example Nowhere"  # no directory: not checked


def test_a_count_may_be_unknown_but_then_has_no_date() -> None:
    entry = read_entry(raw(people_count=None, counted_on=None, subject_regions={}))
    assert entry.people_count is None and entry.counted_on is None
    assert problems(people_count="", counted_on="2026-10-01")["people_count"].startswith("a date counted needs")


def test_changed_fields_name_what_differs() -> None:
    before = read_entry(raw())
    after = read_entry(raw(people_count=50000, responsible="Megumi Kobayashi"))
    assert changed_fields(before, after) == ["people_count", "responsible"]
    assert changed_fields(before, before) == []
    assert changed_fields(None, before) == list(FIELDS)


# ------------------------------------------------------------------------------------------ assets


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("s3:arn:aws:s3:::Customer-Data", "s3:customer-data"),
        ("s3:arn:aws:s3:::customer-data/exports/2026/", "s3:customer-data/exports/2026"),
        ("s3:s3://customer-data/a//b", "s3:customer-data/a/b"),
        ("s3:https://customer-data.s3.ap-northeast-1.amazonaws.com/x.csv", "s3:customer-data/x.csv"),
        ("sharepoint:HTTPS://Example.SharePoint.com/sites/HR/", "sharepoint:https://example.sharepoint.com/sites/HR"),
        (
            "sharepoint:example-my.sharepoint.com/personal/a_b/",
            "sharepoint:https://example-my.sharepoint.com/personal/a_b",
        ),
        ("github:https://github.com/Example/CRM.git", "github:example/crm"),
        ("github:git@github.com:example/crm.git", "github:example/crm"),
        ("github:https://github.com/example/crm/blob/main/data/x.csv", "github:example/crm/data/x.csv"),
        ("mailbox:mailto:<HR@Example.co.jp>", "mailbox:hr@example.co.jp"),
        ("google_drive:https://drive.google.com/drive/u/0/folders/0ABcD", "google_drive:0ABcD"),
        ("app:  Salesforce   Sales Cloud ", "app:Salesforce Sales Cloud"),
    ],
)
def test_assets_are_kept_in_one_canonical_form(text: str, canonical: str) -> None:
    assert str(parse_asset(text)) == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("bucket", "type:identifier"),
        ("ftp:x", "unknown asset type"),
        ("s3:arn:aws:iam::123:role/x", "an S3 ARN"),
        ("github:example", "org/repo"),
        ("mailbox:hr", "a mailbox is its address"),
        ("s3:  ", "needs an identifier"),
    ],
)
def test_unreadable_assets_say_why(text: str, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        ledger_asset(text)


def test_kinds_are_guessed_from_an_alerts_asset() -> None:
    assert guess_kind("arn:aws:s3:::b") is AssetKind.S3
    assert guess_kind("https://example.sharepoint.com/sites/hr") is AssetKind.SHAREPOINT
    assert guess_kind("https://github.com/example/crm") is AssetKind.GITHUB
    assert guess_kind("hr@example.co.jp") is AssetKind.MAILBOX
    assert guess_kind("some-bucket") is None


def entry(entry_id: str, *assets: str, retired: bool = False) -> LedgerEntry:
    return read_entry(raw(id=entry_id, assets=list(assets), retired=retired))


def ids(found: list[Any]) -> list[str]:
    return [m.entry.id for m in found]


def test_an_alerts_asset_finds_the_entries_covering_it_most_specific_first() -> None:
    ledger = [
        entry("wild", "s3:example-*"),
        entry("bucket", "s3:example-customers"),
        entry("prefix", "s3:example-customers/exports"),
        entry("other", "s3:example-test"),
        entry("gone", "s3:example-customers", retired=True),
    ]
    found = covering(ledger, AlertAsset("arn:aws:s3:::Example-Customers/exports/2026/x.csv", AssetKind.S3))
    assert ids(found) == ["prefix", "bucket", "wild"]
    assert [m.match.fit for m in found] == [Fit.UNDER, Fit.UNDER, Fit.PATTERN]
    assert ids(covering(ledger, AlertAsset("example-customers", AssetKind.S3)))[:1] == ["bucket"]
    assert covering(ledger, AlertAsset("example-customers"))[0].match.fit is Fit.EXACT  # kind unknown: tried
    assert ids(covering(ledger, AlertAsset("s3://unrelated"))) == []
    assert ids(covering(ledger, AlertAsset("example-customers", AssetKind.GITHUB))) == []  # another kind


def test_urls_repositories_and_mailboxes_meet_however_written() -> None:
    ledger = [
        entry("hr-site", "sharepoint:https://example.sharepoint.com/sites/HR"),
        entry("crm", "github:example/crm"),
        entry("org", "github:example/*"),
        entry("mail", "mailbox:*@hr.example.co.jp"),
        entry("payroll", "mailbox:payroll@example.co.jp"),
    ]
    site = AlertAsset("https://EXAMPLE.sharepoint.com/sites/hr/Shared Documents/salaries.xlsx")
    assert ids(covering(ledger, site)) == ["hr-site"]
    assert ids(covering(ledger, AlertAsset("https://example.sharepoint.com/sites/hr/"))) == ["hr-site"]
    assert ids(covering(ledger, AlertAsset("https://example.sharepoint.com/sites/hrx"))) == []
    assert ids(covering(ledger, AlertAsset("https://github.com/Example/CRM"))) == ["crm", "org"]
    assert ids(covering(ledger, AlertAsset("example/billing", AssetKind.GITHUB))) == ["org"]
    assert ids(covering(ledger, AlertAsset("Payroll@Example.co.jp"))) == ["payroll"]
    assert ids(covering(ledger, AlertAsset("sato@hr.example.co.jp"))) == ["mail"]


def test_a_sources_alerts_name_their_kind_of_asset() -> None:
    ledger = [entry("shop", "s3:example-shop"), entry("crm", "github:example/shop"), entry("app", "app:Example CRM")]
    assert ids(covering(ledger, alert_asset("aws-macie", "example-shop"))) == ["shop"]
    assert ids(covering(ledger, alert_asset("github", "Example/Shop"))) == ["crm"]
    assert ids(covering(ledger, alert_asset("netskope", "example crm/tenant-7"))) == ["app"]
    assert alert_asset("ms-purview", "x").kind is None  # a mailbox or a site: told by its shape


def test_brackets_are_not_wildcards() -> None:
    ledger = [entry("odd", "other:share[1]*")]
    assert ids(covering(ledger, AlertAsset("share[1]-x", AssetKind.OTHER))) == ["odd"]
    assert ids(covering(ledger, AlertAsset("share1-x", AssetKind.OTHER))) == []


# ------------------------------------------------------------------------------------------ files

CSV = """id,name,company,division,assets,data_categories,people_count,counted_on,subject_regions,purpose,\
legal_basis,retention,storage_location,encryption,responsible
L-1,Customers,Example Holdings,Retail Sales,s3:customers;github:example/crm,name;my_number,"48,000",2026-10-01,\
JP=48000,Orders,Consent,7 years,Tokyo,standard,Nakamura
L-2,Test data,Example Holdings,IT,s3:example-test,name,3,2026-10-01,,Testing,"Dummy data, none",30 days,Tokyo,none,Ito
"""


def test_csv_reads_with_lists_and_regions_in_cells() -> None:
    first, second = read_csv(CSV)
    assert first.assets == (Asset(AssetKind.S3, "customers"), Asset(AssetKind.GITHUB, "example/crm"))
    assert first.subject_regions == {"JP": 48000} and first.people_count == 48000
    assert second.people_count == 3 and second.legal_basis == "Dummy data, none"


def test_csv_problems_name_their_lines_even_after_a_multiline_cell() -> None:
    rows = CSV.splitlines()
    again = rows[1].replace("Orders", "Returns")  # L-1 once more
    bad = CSV.replace("Orders", '"Orders,\nreturns"').replace(",3,", ",three,") + "\n" + again + "\n"
    with pytest.raises(LedgerFileInvalid) as refused:
        read_csv(bad)
    assert [str(p) for p in refused.value.problems] == [
        "line 4: people_count: must be a whole number, not 'three'",
        "line 6: id: the id 'L-1' is given twice (first on line 2)",
    ]


def test_csv_refuses_unknown_columns_and_a_missing_header() -> None:
    with pytest.raises(LedgerFileInvalid, match="line 1: unknown column 'size'"):
        read_csv("id,size\nL-1,3\n")
    with pytest.raises(LedgerFileInvalid, match="a header row"):
        read_csv("")
    with pytest.raises(LedgerFileInvalid, match="line 2: 3 cells, but the header names 2"):
        read_csv("id,name\nL-1,a,b\n")


YAML = """# the example
- id: L-1
  name: Customers
  company: Example Holdings
  division: Retail Sales
  assets: [s3:customers]
  data_categories: [name, my_number]
  people_count: 48000
  counted_on: 2026-10-01
  subject_regions: {JP: 48000}
  purpose: Orders
  legal_basis: Consent
  retention: 7 years
  storage_location: Tokyo
  responsible: Nakamura
- id: L-2
  name: HR
  company: Example Holdings
  division: Human Resources
  assets:
    - sharepoint:https://example.sharepoint.com/sites/hr
  data_categories: [name, health]
  people_count: many
  counted_on: 2026-10-01
  purpose: Employment
  legal_basis: Contract
  retention: 5 years
  storage_location: Microsoft 365 Japan
  responsible: Ito
"""


def test_yaml_problems_name_the_entry_and_the_fields_line() -> None:
    with pytest.raises(LedgerFileInvalid) as refused:
        read_yaml(YAML)
    assert [str(p) for p in refused.value.problems] == [
        "entry 2, line 23: people_count: must be a whole number, not 'many'"
    ]
    assert len(read_yaml(YAML.replace("people_count: many", "people_count: 1200"))) == 2


def test_yaml_that_is_not_a_ledger_is_refused_with_its_line() -> None:
    with pytest.raises(LedgerFileInvalid, match="line 2: not readable as YAML"):
        read_yaml("- id: [\n- x: ]\n")
    with pytest.raises(LedgerFileInvalid, match="a YAML ledger is a list"):
        read_yaml("id: L-1\n")
    with pytest.raises(LedgerFileInvalid, match="entry 1, line 1: an entry is a mapping"):
        read_yaml("- just text\n")
    assert read_yaml("") == [] and read_yaml("entries: []\n") == []


@pytest.mark.parametrize("fmt", list(LedgerFormat))
def test_what_is_written_reads_back_the_same(fmt: LedgerFormat) -> None:
    entries = [
        read_entry(
            raw(
                purpose="Orders; returns,\nand year-end statements",
                name='=HYPERLINK("http://x")',
                entity_role="processor",
                on_behalf_of="Example Logistics",
                transfers=["US", "SG"],
                retired=True,
            )
        ),
        read_entry(raw(id="L-0002", people_count=None, counted_on=None, subject_regions={}, name="日本語の台帳")),
    ]
    text = write_ledger(entries, fmt)
    assert read_ledger(text, fmt) == entries
    if fmt is LedgerFormat.CSV:
        assert "'=HYPERLINK" in text  # a spreadsheet does not run it
    assert write_ledger(read_ledger(text, fmt), fmt) == text
    assert (write_csv if fmt is LedgerFormat.CSV else write_yaml)([]) in ("[]\n", ",".join(FIELDS) + "\n")
