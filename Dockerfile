# syntax=docker/dockerfile:1.7
# One image for the three services and the one-shot commands:
#   docker build -t pidesk .
#   docker run pidesk intake|escalation|notifier   (the entry point is `pidesk`; the default service is intake)
#   docker run pidesk db upgrade --service intake  (migrations: a separate step, never done by a service)
# The build stage compiles whatever has no wheel; the final stage holds the virtualenv only: no compiler,
# no pip, no sources beyond the installed package, and runs as an unprivileged user (uid 10001).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY pidesk ./pidesk
COPY shared ./shared
COPY services ./services
COPY migrations ./migrations
# A regular (not editable) install: the package data (templates, policies, migrations) lands in the venv.
RUN --mount=type=cache,target=/root/.cache/pip \
    /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip wheel --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install /wheels/pidesk-*.whl \
    && /opt/venv/bin/pip uninstall --yes pip

FROM ${PYTHON_IMAGE} AS runtime
# Production by default: a container started without its secrets refuses to start instead of inventing them.
# The services listen on every interface of the container (the settings' default is 127.0.0.1).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIDESK_ENV=production \
    PIDESK_VAR_DIR=/var/lib/pidesk \
    INTAKE_HOST=0.0.0.0 \
    ESCALATION_HOST=0.0.0.0 \
    NOTIFIER_HOST=0.0.0.0
RUN groupadd --system --gid 10001 pidesk \
    && useradd --system --uid 10001 --gid pidesk --home-dir /var/lib/pidesk --no-create-home \
       --shell /usr/sbin/nologin pidesk \
    && install -d -o pidesk -g pidesk -m 0750 /var/lib/pidesk
COPY --from=build /opt/venv /opt/venv
# The health check probes /healthz of whichever service the container runs (the argument after `pidesk`,
# its --port or <SERVICE>_PORT); a one-shot command (db upgrade, token …) has nothing to probe.
COPY --chmod=0755 <<'EOF' /usr/local/bin/pidesk-healthcheck
#!/opt/venv/bin/python
import os
import sys
import urllib.request

DEFAULT_PORTS = {"intake": "8001", "escalation": "8002", "notifier": "8003"}
args = open("/proc/1/cmdline", "rb").read().decode(errors="replace").split("\0")
at = next((i for i, a in enumerate(args) if os.path.basename(a) == "pidesk"), None)
service = args[at + 1] if at is not None and at + 1 < len(args) else ""
if service not in DEFAULT_PORTS:
    sys.exit(0)
port = os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service])
for i, a in enumerate(args):
    if a == "--port" and i + 1 < len(args):
        port = args[i + 1]
    elif a.startswith("--port="):
        port = a.split("=", 1)[1]
with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=4) as answer:
    sys.exit(0 if answer.status == 200 else 1)
EOF
USER 10001:10001
WORKDIR /var/lib/pidesk
EXPOSE 8001 8002 8003
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["pidesk-healthcheck"]
ENTRYPOINT ["pidesk"]
CMD ["intake"]
