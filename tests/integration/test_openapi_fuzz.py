"""Schemathesis on every operation of the three services, in-process on PostgreSQL, with a token (and, on
escalation, a dashboard session) that reaches the handlers: no answer is a 500, and every answer is one the
service's OpenAPI document declares (status code, content type, body schema).

Bounded: a fixed number of examples per operation, positive and negative, no coverage or stateful phase.
The path parameters also get the ids of rows seeded beforehand, so the fuzzer reaches more than 404s.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.engine import make_url

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.case_policy_files import load_case_policy
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.bootstrap import build_app as build_escalation
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.domain.ledger_files import read_yaml
from pidesk.services.escalation.service import accounts
from pidesk.services.escalation.service.cases import record_complaint, record_government_request
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.ledger import import_entries
from pidesk.services.escalation.service.notices import record_notice_drafted
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.intake.bootstrap import build_app as build_intake
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.bootstrap import build_app as build_notifier
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import ComplaintReceived, GovernmentRequestReceived, NoticeDrafted
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import ComplainantKind, ComplaintRequestKind, LegalInstrument, Role
from tests.integration.test_notice_delivery_service import Notifier, reported_and_assessed
from tests.support import infra
from tests.support.infra import free_port, kafka_bootstrap
from tests.unit.factories import reported_incident

SECRET = "openapi-fuzz-test-secret-0123456789abcdef"
EXAMPLE_LEDGER = Path(__file__).resolve().parents[2] / "services/escalation/policy/example_ledger.yaml"
MAX_EXAMPLES = int(os.environ.get("PIDESK_FUZZ_EXAMPLES", "12"))  # per operation; raise it for a deeper local run
WEBHOOK_SOURCES = ("generic", "github", "nightfall", "aws-macie", "ms-purview", "netskope", "code42", "google-dlp")


def not_a_server_error_unless_documented(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A 503 an operation documents (a dependency is down: the broker, the notifier) is its answer, not a fault."""
    if response.status_code == 503 and "503" in case.operation.definition.raw.get("responses", {}):
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    not_a_server_error_unless_documented,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(_dsn(infra.test_database_url()))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def database() -> Iterator[Callable[[str], str]]:
    """Fresh migrated PostgreSQL databases, one per service, dropped at the end of the module."""
    created: list[str] = []

    def fresh(service: str) -> str:
        name = f"pidesk_fuzz_{service[:4]}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        created.append(name)
        url = make_url(infra.test_database_url()).set(database=name).render_as_string(hide_password=False)
        asyncio.run(runner.upgrade(url, service))
        return url

    yield fresh
    for name in created:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def without_lifespan(app: Any) -> Any:
    """The app without its background loops (consumer, relay, timers): requests only, no broker needed."""

    async def requests_only(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return  # no lifespan support: the loops never start
        await app(scope, receive, send)

    return requests_only


def loaded(app: Any, headers: dict[str, str], seeded: dict[str, list[str]] | None = None) -> Fuzzed:
    """The app's own OpenAPI document as Schemathesis loads it, the app called in-process."""
    config = schemathesis.Config.from_dict(
        {
            "request-timeout": 10,
            "generation": {"with-security-parameters": False},
            # the dashboard's live stream never ends: what it sent in its first second is its answer
            "operations": [{"include-path": "/desk/events", "request-timeout": 1, "max-stream-events": 1}],
        }
    )
    schema = schemathesis.openapi.from_dict(copy.deepcopy(app.openapi()), config=config)
    schema.app = without_lifespan(app)
    return Fuzzed(schema, headers, seeded or {})


class Fuzzed:
    """A service's schema, the headers that reach its handlers, and the ids of rows seeded beforehand."""

    def __init__(self, schema: Any, headers: dict[str, str], seeded: dict[str, list[str]]) -> None:
        self.schema, self.headers, self.seeded = schema, headers, seeded

    def operations(self) -> list[Any]:
        return [result.ok() for result in self.schema.get_all_operations()]

    def strategy(self, operation: Any) -> st.SearchStrategy[Any]:
        """Valid and invalid inputs; with seeded ids in the path too, so handlers get past their 404."""
        strategies = [operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        names = {p.name for p in operation.path_parameters}
        if names and names <= set(self.seeded):
            ids = st.fixed_dictionaries({name: st.sampled_from(self.seeded[name]) for name in sorted(names)})
            seeded = ids.flatmap(lambda path: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=path))
            strategies += [seeded, seeded]  # half the examples on seeded rows
        return st.one_of(strategies)

    def failures(self) -> list[str]:
        """Every operation fuzzed; what failed, one line per operation."""
        found = []
        for operation in self.operations():

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],  # no shrinking: the failure is reported as found
                suppress_health_check=list(HealthCheck),
            )
            @given(case=self.strategy(operation))
            def fuzz(case: schemathesis.Case) -> None:
                case.call_and_validate(checks=CHECKS, headers=self.headers)

            try:
                fuzz()
            except Exception as exc:
                found.append(f"{operation.label}: {exc}")
        return found


def bearer(role: Role, audience: str) -> str:
    return f"Bearer {issue_token(SECRET, name=f'fuzz-{role.value}', role=role, audience=audience)}"  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def intake_schema(database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    settings = IntakeSettings(
        env="test",
        var_dir=tmp_path_factory.mktemp("intake"),
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        INTAKE_DATABASE_URL=database("intake"),
        reports_per_minute=100_000,
        webhook_secrets={source: f"{source}-webhook-secret-0123456789abcdef" for source in WEBHOOK_SOURCES},
    )
    return loaded(build_intake(settings), {}, {"source_name": list(WEBHOOK_SOURCES)})


async def _seed_escalation(url: str) -> dict[str, Any]:
    """An incident with a drafted data-subject notice, and a dashboard account signed in."""
    rules = RoutingRules(load_policy(), load_directory())
    incident_id, notice_id = uuid.uuid4(), uuid.uuid4()
    event = reported_incident(1, at=datetime.now(UTC) - timedelta(minutes=5), entity="Example Holdings")
    drafted = NoticeDrafted(
        notice_id=notice_id,
        reference="PI-2026-000001",
        kind="data_subject",
        variant="data_subject",
        language="ja",
        channel="email",
        status="drafted",
        current=True,
        subject="件名",
        obligations=["appi.notify_individuals"],
        drafted_at=datetime.now(UTC),
    )
    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        await record_reported_incident(IncidentRepository(session), rules, incident_id=incident_id, event=event)
        await record_notice_drafted(session, incident_id, drafted)
        user = await accounts.add_user(session, "fuzz-admin", Role.PI_ADMINISTRATOR.value, "a long fuzzing password")
        await session.flush()
        cookie, _csrf = await accounts.open_session(session, user, datetime.now(UTC))
    async with EscalationUnitOfWork(session_factory(engine)) as uow:  # a ledger entry to read, change, retire
        await import_entries(uow, read_yaml(EXAMPLE_LEDGER.read_text())[:1], by="fuzz", now=datetime.now(UTC))
        await uow.commit()
    cases = await _seed_cases(session_factory(engine))
    await engine.dispose()
    return {"incident_id": str(incident_id), "notice_id": str(notice_id), "cookie": cookie, "case_id": cases}


async def _seed_cases(sessions: Any) -> list[str]:
    """A government request and a complaint (issue 17), as escalation's consumer records them."""
    policy, now = load_case_policy(), datetime.now(UTC)
    request_id, complaint_id = uuid.uuid4(), uuid.uuid4()
    request = GovernmentRequestReceived(
        reference="GR-2026-000001",
        authority="Agency of Examples",
        authority_country="US",
        instrument=LegalInstrument.WARRANT,
        received_at=now,
        subject_regions=["EU"],
        division="Sales",
        company="Example Holdings",
        submitted_by="fuzz",
    )
    complaint = ComplaintReceived(
        reference="PC-2026-000001",
        complainant_kind=ComplainantKind.INDIVIDUAL,
        request_kind=ComplaintRequestKind.GDPR_DATA_SUBJECT_REQUEST,
        received_at=now,
        division="Support",
        company="Example Holdings",
        submitted_by="fuzz",
    )
    async with sessions() as session, session.begin():
        await record_government_request(session, policy, load_directory(), request_id, request, now)
        await record_complaint(session, policy, load_directory(), complaint_id, complaint, now)
    return [str(request_id), str(complaint_id)]


@pytest.fixture(scope="module")
def escalation_schema(database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = database("escalation")
    seeded = asyncio.run(_seed_escalation(url))
    settings = EscalationSettings(
        env="test",
        var_dir=tmp_path_factory.mktemp("escalation"),
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        ESCALATION_DATABASE_URL=url,
        ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}",  # nobody listens: the notifier is down
        token_secret=SECRET,
    )
    headers = {
        "Authorization": bearer(Role.PI_ADMINISTRATOR, "escalation"),  # the desk API: the token
        "Cookie": f"pidesk_desk_session={seeded['cookie']}",  # the dashboard's pages: the session
    }
    ids = {
        "incident_id": [seeded["incident_id"]],
        "notice_id": [seeded["notice_id"]],
        "entry_id": ["L-0001"],
        "case_id": seeded["case_id"],
    }
    return loaded(build_escalation(settings), headers, ids)


async def _seed_notifier(url: str, settings: NotifierSettings) -> list[str]:
    """An incident reported and assessed: its notices drafted, in each language."""
    notifier = Notifier(url, settings)
    try:
        await reported_and_assessed(notifier)
        async with notifier.sessions() as session:
            return [str(notice_id) for notice_id in await session.scalars(select(Notice.id))]
    finally:
        await notifier.engine.dispose()


@pytest.fixture(scope="module")
def notifier_schema(database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = database("notifier")
    settings = NotifierSettings(
        env="test",
        var_dir=tmp_path_factory.mktemp("notifier"),
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
        NOTIFIER_DATABASE_URL=url,
        token_secret=SECRET,
    )
    notices = asyncio.run(_seed_notifier(url, settings))
    headers = {"Authorization": bearer(Role.PI_ADMINISTRATOR, "notifier")}
    return loaded(build_notifier(settings), headers, {"notice_id": notices})


@pytest.mark.parametrize("service", ["intake", "escalation", "notifier"])
def test_every_operation_answers_every_input_as_documented(service: str, request: pytest.FixtureRequest) -> None:
    fuzzed: Fuzzed = request.getfixturevalue(f"{service}_schema")
    assert len(fuzzed.operations()) >= 3
    failures = fuzzed.failures()
    assert not failures, "\n\n".join(failures)


def body_operations(fuzzed: Fuzzed) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path with seeded ids, operation) of every operation that documents a request body, once per
    combination of seeded ids (e.g. every webhook source)."""
    found = []
    for path, operations in fuzzed.schema.raw_schema["paths"].items():
        names = [name for name in fuzzed.seeded if "{" + name + "}" in path]
        for values in itertools.product(*(fuzzed.seeded[name] for name in names)):
            concrete = path
            for name, value in zip(names, values, strict=True):
                concrete = concrete.replace("{" + name + "}", value)
            found += [(method, concrete, op) for method, op in operations.items() if "requestBody" in op]
    return found


# hand-made bodies no generator is likely to send, each with its content type
HAND_MADE = [
    ("application/json", b"{"),  # malformed
    ("application/json", b"[" * 100_000),  # nested past any parser's recursion
    ("application/json", b'{"title": "a\\u0000b"}'),  # NUL
    ("application/json", b'{"affected_count": 1e400, "into": 99999999999999999999999}'),  # huge numbers
    ("application/json", "\ufeff{}".encode()),  # a byte-order mark
    ("application/json", b"\xff\xfe"),  # not UTF-8
    ("text/plain", b"hello"),  # not a type the operation reads
    ("text/csv", b'email\n"unterminated'),  # a stray quote
    ("application/x-www-form-urlencoded", b"csrf_token=%FF&" + b"a=1&" * 300),  # bad escape, too many fields
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\n"),  # no name, no end
]


@pytest.mark.parametrize("service", ["intake", "escalation", "notifier"])
def test_hand_made_bodies_get_a_documented_4xx(service: str, request: pytest.FixtureRequest) -> None:
    """Every body-taking operation, sent what a careless or hostile client sends: never a 500, and always a
    status and content type the operation documents."""
    fuzzed: Fuzzed = request.getfixturevalue(f"{service}_schema")
    too_large = b"{" + b" " * 1_048_576 + b"}"
    problems = []
    operations = body_operations(fuzzed)
    assert operations, f"{service} documents no request body"
    with asgi.get_client(fuzzed.schema.app) as client:
        for method, path, operation in operations:
            for media_type, body in [*HAND_MADE, ("application/json", too_large)]:
                headers = {**fuzzed.headers, "Content-Type": media_type}
                response = client.request(method.upper(), path, data=body, headers=headers, allow_redirects=False)
                documented = operation["responses"].get(str(response.status_code))
                answered = response.headers.get("content-type", "").split(";")[0]
                if response.status_code >= 500 or documented is None:
                    problems.append(f"{method.upper()} {path} {media_type} {body[:20]!r}: {response.status_code}")
                elif documented.get("content") and answered not in documented["content"]:
                    problems.append(f"{method.upper()} {path} {media_type}: {answered} not documented")
    assert not problems, "\n".join(problems)
