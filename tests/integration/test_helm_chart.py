"""The Helm chart, as rendered by the real helm: `deploy/chart-check.sh` lints and renders it with each
value set of deploy/helm/pidesk/ci/, and these tests read what it rendered.

helm is built from its Go module on first use (deploy/helm-tool.sh, cached in var/tools); without Go,
and without a helm already there, the tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "pidesk"
VALUE_SETS = ("default", "existing-kafka-postgres", "keda", "examples")
SERVICES = ("intake", "escalation", "notifier")
# the values of secrets in the value sets: none may appear outside a Secret
SECRET_VALUE_PATHS = (
    ("postgresql", "password"),
    ("kafka", "sasl", "password"),
    ("secrets", "tokenSecret"),
    ("secrets", "notifierTokenKey"),
    ("secrets", "intakeEncryptionKeys"),
    ("secrets", "intakeCsrfSecret"),
    ("secrets", "notifierEncryptionKeys"),
    ("secrets", "smtp", "password"),
)
SECRET_NAME_PARTS = ("SECRET", "PASSWORD", "ENCRYPTION_KEYS", "TOKEN_KEY", "API_KEY", "SMTP_USERNAME")

Doc = dict[str, Any]


class StrictLoader(yaml.SafeLoader):
    """Refuses a key given twice in one mapping: PyYAML keeps the last, the API server refuses the object."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        twice = {k for k in keys if keys.count(k) > 1}
        if twice:
            raise yaml.constructor.ConstructorError(None, None, f"keys given twice: {sorted(twice)}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _helm_available() -> bool:
    """A helm given or already built, or Go to build one (deploy/helm-tool.sh looks in the same places)."""
    tools = Path(os.environ.get("PIDESK_TOOLS_DIR", ROOT / "var" / "tools"))
    go = shutil.which("go") is not None or Path("/usr/local/go/bin/go").exists()
    return bool(os.environ.get("PIDESK_HELM")) or (tools / "helm").exists() or go


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Doc]]]:
    """Every value set's rendering, as parsed objects (chart-check.sh fails on any lint or render error)."""
    if not _helm_available():
        pytest.skip("Go is missing: helm cannot be built from its Go module (deploy/helm-tool.sh)")
    out = tmp_path_factory.mktemp("chart")
    result = subprocess.run(
        ["bash", str(ROOT / "deploy" / "chart-check.sh"), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, f"chart-check.sh failed:\n{result.stdout}\n{result.stderr}"
    yield {
        path.stem: [d for d in yaml.load_all(path.read_text(), Loader=StrictLoader) if d] for path in out.glob("*.yaml")
    }


def values_of(value_set: str) -> Doc:
    return yaml.safe_load((CHART / "ci" / f"{value_set}-values.yaml").read_text())


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def component(doc: Doc) -> str:
    return str(doc["metadata"]["labels"].get("app.kubernetes.io/component", ""))


def containers(pod_owner: Doc) -> list[Doc]:
    spec = pod_owner["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def service_env(deployment: Doc) -> dict[str, Doc]:
    return env_of(deployment["spec"]["template"]["spec"]["containers"][0])


def secret_ref(env: dict[str, Doc], name: str) -> Doc:
    ref: Doc = env[name]["valueFrom"]["secretKeyRef"]
    return ref


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_service_is_a_probed_unprivileged_deployment_with_resources(
    rendered: dict[str, list[Doc]], value_set: str
) -> None:
    deployments = {component(d): d for d in of_kind(rendered[value_set], "Deployment")}
    assert set(deployments) == set(SERVICES)
    for service, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        (container,) = pod["containers"]
        assert container["args"] == [service]  # the image's entry point is `pidesk`
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"] and resources["limits"]["memory"]
        env = env_of(container)
        assert env[f"{service.upper()}_HOST"]["value"] == "0.0.0.0"
        url = env[f"{service.upper()}_DATABASE_URL"]["value"]
        assert url.startswith("postgresql+asyncpg://") and "$(PIDESK_DATABASE_PASSWORD)@" in url
        assert list(env).index("PIDESK_DATABASE_PASSWORD") < list(env).index(f"{service.upper()}_DATABASE_URL")


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_migrations_run_once_in_a_pre_install_and_pre_upgrade_hook(
    rendered: dict[str, list[Doc]], value_set: str
) -> None:
    (job,) = of_kind(rendered[value_set], "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    steps = [c["args"] for c in containers(job)]
    assert steps == [["db", "upgrade", "--service", s] for s in SERVICES]
    for c in containers(job):  # each step holds its own service's database and secrets only
        service = c["args"][-1]
        urls = [name for name in env_of(c) if name.endswith("_DATABASE_URL")]
        assert urls == [f"{service.upper()}_DATABASE_URL"]
    for deployment in of_kind(rendered[value_set], "Deployment"):
        assert all("db" not in c.get("args", []) for c in containers(deployment))
    # what the hook reads exists before it: the chart's Secrets are earlier hooks
    for secret in of_kind(rendered[value_set], "Secret"):
        if secret["metadata"]["name"].endswith("-policy"):
            continue
        annotations = secret["metadata"]["annotations"]
        assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(annotations["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_secrets_reach_containers_only_from_secrets(rendered: dict[str, list[Doc]], value_set: str) -> None:
    docs = rendered[value_set]
    secret_names = {s["metadata"]["name"] for s in of_kind(docs, "Secret")}
    given = values_of(value_set)
    existing = {
        *[v for v in given.get("secrets", {}).get("existing", {}).values() if v],
        *(given.get("postgresql", {}).get("existingSecret", {}).get("name", ""),),
        *(given.get("kafka", {}).get("sasl", {}).get("existingSecret", {}).get("name", ""),),
    } - {""}
    for owner in [*of_kind(docs, "Deployment"), *of_kind(docs, "Job")]:
        for c in containers(owner):
            assert "envFrom" not in c
            for name, item in env_of(c).items():
                if any(part in name for part in SECRET_NAME_PARTS):
                    ref = item["valueFrom"]["secretKeyRef"]
                    assert ref["name"] in secret_names | existing, (name, ref)
                    assert "value" not in item
    secret_values = _secret_values(given)
    assert secret_values or value_set == "existing-kafka-postgres"
    for doc in docs:
        if doc["kind"] == "Secret":
            continue
        text = yaml.safe_dump(doc)
        for value in secret_values:
            assert value not in text, f"a secret value is in {doc['kind']} {doc['metadata']['name']}"
    assert not of_kind(docs, "ConfigMap") or all(
        value not in yaml.safe_dump(cm) for cm in of_kind(docs, "ConfigMap") for value in secret_values
    )


def _secret_values(given: Doc) -> list[str]:
    found = []
    for path in SECRET_VALUE_PATHS:
        node: Any = given
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, str) and node:
            found.append(node)
    for group in ("webhookSecrets", "webhookApiKeys"):
        found += list(given.get("secrets", {}).get(group, {}).values())
    return found


def test_webhook_secrets_and_smtp_credentials_are_keys_of_the_services_secrets(
    rendered: dict[str, list[Doc]],
) -> None:
    docs = rendered["default"]
    secrets = {s["metadata"]["name"]: s["stringData"] for s in of_kind(docs, "Secret")}
    assert set(secrets["pidesk-intake"]) == {
        "INTAKE_ENCRYPTION_KEYS",
        "INTAKE_CSRF_SECRET",
        "INTAKE_WEBHOOK_SECRET_GITHUB",
        "INTAKE_WEBHOOK_SECRET_AWS_MACIE",
        "INTAKE_WEBHOOK_API_KEY_GENERIC",
    }
    assert set(secrets["pidesk-escalation"]) == {"PIDESK_TOKEN_SECRET"}
    assert {"NOTIFIER_SMTP_USERNAME", "NOTIFIER_SMTP_PASSWORD", "NOTIFIER_TOKEN_KEY"} <= set(secrets["pidesk-notifier"])
    # the password goes into URLs as it is kept: URL-encoded
    assert secrets["pidesk-database"]["password"] == "p%40ss%2Fword+with%3Aurl-special%23chars"
    deployments = {component(d): service_env(d) for d in of_kind(docs, "Deployment")}
    assert secret_ref(deployments["intake"], "INTAKE_WEBHOOK_SECRET_AWS_MACIE")["name"] == "pidesk-intake"
    assert "PIDESK_TOKEN_SECRET" not in deployments["notifier"]  # the notifier holds its own key only
    assert not any(n.startswith(("PIDESK_TOKEN", "NOTIFIER_TOKEN")) for n in deployments["intake"])


def test_an_existing_kafka_with_tls_and_scram_and_existing_secrets(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["existing-kafka-postgres"]
    assert not [s for s in of_kind(docs, "Secret") if s["metadata"]["name"] != "pidesk-kafka"]
    for deployment in of_kind(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        env = env_of(pod["containers"][0])
        assert env["KAFKA_SECURITY_PROTOCOL"]["value"] == "SASL_SSL"
        assert env["KAFKA_SASL_MECHANISM"]["value"] == "SCRAM-SHA-512"
        assert secret_ref(env, "KAFKA_SASL_PASSWORD") == {"name": "pidesk-kafka-scram", "key": "password"}
        assert env["KAFKA_SSL_CAFILE"]["value"] == "/etc/pidesk/kafka-ca/ca.crt"
        assert env["KAFKA_SSL_KEYFILE"]["value"] == "/etc/pidesk/kafka-client/tls.key"
        assert env["PIDESK_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "pidesk-postgres"
        assert "ssl=verify-full" in env[f"{component(deployment).upper()}_DATABASE_URL"]["value"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["kafka-ca"]["secret"]["secretName"] == "corp-kafka-ca"
        service_secret = f"pidesk-{component(deployment)}-secrets"
        assert any(e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == service_secret for e in env.values())
    intake = next(d for d in of_kind(docs, "Deployment") if component(d) == "intake")
    env = env_of(intake["spec"]["template"]["spec"]["containers"][0])
    webhooks = {"INTAKE_WEBHOOK_SECRET_GITHUB", "INTAKE_WEBHOOK_SECRET_NIGHTFALL", "INTAKE_WEBHOOK_API_KEY_GENERIC"}
    assert webhooks <= set(env)


def test_company_sign_in_and_tracing_from_values(rendered: dict[str, list[Doc]]) -> None:
    """escalation.oidc reaches escalation only (its client secret from the Secret); tracing reaches all."""
    for value_set, docs in rendered.items():
        for deployment in of_kind(docs, "Deployment"):
            env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
            on = value_set == "existing-kafka-postgres"
            assert ("PIDESK_OTEL_ENABLED" in env) is on, (value_set, component(deployment))
            assert ("ESCALATION_OIDC_ISSUER" in env) is (on and component(deployment) == "escalation")
    escalation = next(
        d for d in of_kind(rendered["existing-kafka-postgres"], "Deployment") if component(d) == "escalation"
    )
    env = env_of(escalation["spec"]["template"]["spec"]["containers"][0])
    assert env["ESCALATION_OIDC_ISSUER"]["value"] == "https://login.example.com/tenant"
    assert json.loads(env["ESCALATION_OIDC_ROLE_MAP"]["value"]) == {
        "pidesk-desk": "desk_operator",
        "pidesk-admins": "pi_administrator",
    }
    assert secret_ref(env, "ESCALATION_OIDC_CLIENT_SECRET")["key"] == "ESCALATION_OIDC_CLIENT_SECRET"
    assert env["OTEL_SERVICE_NAME"]["value"] == "pidesk-escalation"


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_only_intake_is_reachable_from_outside(rendered: dict[str, list[Doc]], value_set: str) -> None:
    policies = of_kind(rendered[value_set], "NetworkPolicy")
    deny = next(p for p in policies if p["metadata"]["name"].endswith("-default-deny"))
    assert deny["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in deny["spec"]
    assert deny["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"] == "pidesk"
    open_to_outside = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            if not peers or any("ipBlock" in p for p in peers):
                open_to_outside.add(component(policy))
            else:
                assert all("namespaceSelector" in p or "podSelector" in p for p in peers)
    assert open_to_outside == {"intake"}
    escalation = next(p for p in policies if component(p) == "escalation")
    peers = escalation["spec"]["ingress"][0]["from"]
    assert {"kubernetes.io/metadata.name": "ingress-internal"} in [
        p.get("namespaceSelector", {}).get("matchLabels") for p in peers
    ]


def test_keda_scales_escalation_and_notifier_on_consumer_lag(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["keda"]
    scaled = {component(s): s for s in of_kind(docs, "ScaledObject")}
    assert set(scaled) == {"escalation", "notifier"}
    groups = {
        service: [t["metadata"]["consumerGroup"] for t in s["spec"]["triggers"] if t["type"] == "kafka"]
        for service, s in scaled.items()
    }
    assert groups == {"escalation": ["pidesk-escalation"], "notifier": ["pidesk-notifier", "pidesk-notifier-alerts"]}
    for s in scaled.values():
        assert s["spec"]["scaleTargetRef"]["name"] == f"pidesk-{component(s)}"
        for trigger in s["spec"]["triggers"]:
            assert trigger["metadata"]["sasl"] == "scram_sha512" and trigger["metadata"]["tls"] == "enable"
            assert trigger["authenticationRef"]["name"] == "pidesk-kafka-lag"
    (auth,) = of_kind(docs, "TriggerAuthentication")
    assert {r["parameter"] for r in auth["spec"]["secretTargetRef"]} == {"username", "password", "ca"}
    # KEDA owns escalation's and the notifier's replicas: only intake has an HPA of the chart's, on CPU
    (hpa,) = of_kind(docs, "HorizontalPodAutoscaler")
    assert component(hpa) == "intake" and hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    replicas = {component(d): d["spec"].get("replicas") for d in of_kind(docs, "Deployment")}
    assert replicas == {"intake": None, "escalation": None, "notifier": None}
    assert not of_kind(rendered["default"], "ScaledObject")


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_a_disruption_budget_per_service(rendered: dict[str, list[Doc]], value_set: str) -> None:
    budgets = {component(p): p for p in of_kind(rendered[value_set], "PodDisruptionBudget")}
    assert set(budgets) == set(SERVICES)


def test_the_strimzi_and_cloudnativepg_examples(rendered: dict[str, list[Doc]]) -> None:
    alone = rendered["examples-only"]
    kinds = sorted(d["kind"] for d in alone)
    assert kinds == ["Cluster", "Database", "Database", "Kafka", "KafkaNodePool", "KafkaUser"]
    kafka = next(d for d in alone if d["kind"] == "Kafka")
    (listener,) = kafka["spec"]["kafka"]["listeners"]
    assert listener["tls"] is True and listener["authentication"]["type"] == "scram-sha-512"
    databases = {d["spec"]["name"] for d in alone if d["kind"] == "Database"}
    cluster = next(d for d in alone if d["kind"] == "Cluster")
    assert databases | {cluster["spec"]["bootstrap"]["initdb"]["database"]} == {
        "pidesk_intake",
        "pidesk_escalation",
        "pidesk_notifier",
    }
    with_release = rendered["examples"]
    intake = next(d for d in of_kind(with_release, "Deployment") if component(d) == "intake")
    env = env_of(intake["spec"]["template"]["spec"]["containers"][0])
    assert env["KAFKA_BOOTSTRAP_SERVERS"]["value"] == "pidesk-kafka-kafka-bootstrap:9093"
    assert env["PIDESK_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "pidesk-pg-app"
    assert not [d for d in rendered["default"] if d["kind"] in {"Kafka", "Cluster"}]


def _mounted_policy(docs: list[Doc], service: str) -> tuple[dict[str, Doc], set[str]]:
    """The service's env and the paths under /etc/pidesk/policy it may read (the policy volume's Secret)."""
    deployment = next(d for d in of_kind(docs, "Deployment") if component(d) == service)
    spec = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0].get("volumeMounts", [])}
    assert ("policy" in volumes) == ("policy" in mounts)
    return service_env(deployment), {mounts["policy"]} if "policy" in mounts else set()


def test_the_case_policy_is_mounted_from_the_values_or_an_existing_secret(rendered: dict[str, list[Doc]]) -> None:
    """policy.cases (issue 17): escalation reads the case policy from the policy Secret at PIDESK_CASE_POLICY;
    an existing Secret is trusted to hold cases.yaml only when existingSecretCases says so."""
    given = values_of("examples")["policy"]["cases"]
    (secret,) = [s for s in of_kind(rendered["examples"], "Secret") if s["metadata"]["name"].endswith("-policy")]
    assert secret["stringData"]["cases.yaml"].strip() == given.strip()
    env, mounted = _mounted_policy(rendered["examples"], "escalation")
    assert env["PIDESK_CASE_POLICY"]["value"] == "/etc/pidesk/policy/cases.yaml" and mounted == {"/etc/pidesk/policy"}
    for other in ("intake", "notifier"):
        assert "PIDESK_CASE_POLICY" not in _mounted_policy(rendered["examples"], other)[0]
    env, mounted = _mounted_policy(rendered["existing-kafka-postgres"], "escalation")
    assert env["PIDESK_CASE_POLICY"]["value"] == "/etc/pidesk/policy/cases.yaml" and mounted
    # no file given: the bundled services/escalation/policy/cases.yaml, no variable
    env, _ = _mounted_policy(rendered["default"], "escalation")
    assert "PIDESK_CASE_POLICY" not in env
