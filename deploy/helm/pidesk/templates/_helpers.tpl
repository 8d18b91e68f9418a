{{/* Names, labels and the pieces every workload shares (Deployments and the migration Job). */}}

{{- define "pidesk.services" -}}
intake escalation notifier
{{- end }}

{{- define "pidesk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pidesk.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "pidesk.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "pidesk.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* The name of one service's objects: <fullname>-<service>. Call with (dict "root" $ "service" "intake"). */}}
{{- define "pidesk.componentName" -}}
{{- printf "%s-%s" (include "pidesk.fullname" .root) .service | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pidesk.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "pidesk.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pidesk
{{- end }}

{{/* Selector labels of one component (a service, or "migrations"). */}}
{{- define "pidesk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pidesk.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end }}

{{- define "pidesk.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "pidesk.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pidesk.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding one service's own secrets: yours (secrets.existing.<service>) or the chart's. */}}
{{- define "pidesk.secretName" -}}
{{- $existing := index .root.Values.secrets.existing .service }}
{{- if $existing }}{{ $existing }}{{ else }}{{ include "pidesk.componentName" . }}{{ end }}
{{- end }}

{{- define "pidesk.databaseSecretName" -}}
{{- default (printf "%s-database" (include "pidesk.fullname" .)) .Values.postgresql.existingSecret.name }}
{{- end }}

{{- define "pidesk.databaseSecretKey" -}}
{{- if .Values.postgresql.existingSecret.name }}{{ .Values.postgresql.existingSecret.key }}{{ else }}password{{ end }}
{{- end }}

{{- define "pidesk.kafkaSecretName" -}}
{{- default (printf "%s-kafka" (include "pidesk.fullname" .)) .Values.kafka.sasl.existingSecret.name }}
{{- end }}

{{- define "pidesk.kafkaSecretKey" -}}
{{- if .Values.kafka.sasl.existingSecret.name }}{{ .Values.kafka.sasl.existingSecret.key }}{{ else }}password{{ end }}
{{- end }}

{{/* KAFKA_SECURITY_PROTOCOL from kafka.tls.enabled and kafka.sasl.enabled. */}}
{{- define "pidesk.kafkaProtocol" -}}
{{- if and .Values.kafka.tls.enabled .Values.kafka.sasl.enabled }}SASL_SSL
{{- else if .Values.kafka.tls.enabled }}SSL
{{- else if .Values.kafka.sasl.enabled }}SASL_PLAINTEXT
{{- else }}PLAINTEXT
{{- end }}
{{- end }}

{{/* DLP sources with a webhook secret (or an API key): the chart's values, or the listed ones of yours. */}}
{{- define "pidesk.webhookSources" -}}
{{- if .Values.secrets.existing.intake }}{{ join " " .Values.intake.webhookSources }}
{{- else }}{{ join " " (keys .Values.secrets.webhookSecrets | sortAlpha) }}{{ end }}
{{- end }}

{{- define "pidesk.webhookApiKeySources" -}}
{{- if .Values.secrets.existing.intake }}{{ join " " .Values.intake.webhookApiKeySources }}
{{- else }}{{ join " " (keys .Values.secrets.webhookApiKeys | sortAlpha) }}{{ end }}
{{- end }}

{{- define "pidesk.envName" -}}
{{- . | upper | replace "-" "_" }}
{{- end }}

{{/* An env var read from a Secret. Call with (list "NAME" "secret" "key"). */}}
{{- define "pidesk.secretEnv" -}}
- name: {{ index . 0 }}
  valueFrom:
    secretKeyRef:
      name: {{ index . 1 }}
      key: {{ index . 2 }}
{{- end }}

{{/*
The database of one service: the password read from its Secret, then the URL built around it by
Kubernetes' $(VAR) expansion, so that no password is ever written into the pod spec.
*/}}
{{- define "pidesk.databaseEnv" -}}
{{- $pg := .root.Values.postgresql }}
{{- include "pidesk.secretEnv" (list "PIDESK_DATABASE_PASSWORD" (include "pidesk.databaseSecretName" .root) (include "pidesk.databaseSecretKey" .root)) }}
- name: {{ upper .service }}_DATABASE_URL
  value: {{ printf "postgresql+asyncpg://%s:$(PIDESK_DATABASE_PASSWORD)@%s:%v/%s?ssl=%s" (urlquery $pg.username) $pg.host $pg.port (index $pg.databases .service) $pg.ssl | quote }}
{{- end }}

{{/* One service's own secrets (README, "Running against an existing Kafka cluster and PostgreSQL"). */}}
{{- define "pidesk.serviceSecretEnv" -}}
{{- $secret := include "pidesk.secretName" . }}
{{- if eq .service "intake" }}
{{- include "pidesk.secretEnv" (list "INTAKE_ENCRYPTION_KEYS" $secret "INTAKE_ENCRYPTION_KEYS") }}
{{ include "pidesk.secretEnv" (list "INTAKE_CSRF_SECRET" $secret "INTAKE_CSRF_SECRET") }}
{{- range $source := splitList " " (include "pidesk.webhookSources" .root) }}
{{- if $source }}
{{- $name := printf "INTAKE_WEBHOOK_SECRET_%s" (include "pidesk.envName" $source) }}
{{ include "pidesk.secretEnv" (list $name $secret $name) }}
{{- end }}
{{- end }}
{{- range $source := splitList " " (include "pidesk.webhookApiKeySources" .root) }}
{{- if $source }}
{{- $name := printf "INTAKE_WEBHOOK_API_KEY_%s" (include "pidesk.envName" $source) }}
{{ include "pidesk.secretEnv" (list $name $secret $name) }}
{{- end }}
{{- end }}
{{- else if eq .service "escalation" }}
{{- include "pidesk.secretEnv" (list "PIDESK_TOKEN_SECRET" $secret "PIDESK_TOKEN_SECRET") }}
{{- else if eq .service "notifier" }}
{{- include "pidesk.secretEnv" (list "NOTIFIER_ENCRYPTION_KEYS" $secret "NOTIFIER_ENCRYPTION_KEYS") }}
{{ include "pidesk.secretEnv" (list "NOTIFIER_TOKEN_KEY" $secret "NOTIFIER_TOKEN_KEY") }}
{{- end }}
{{- end }}

{{/* Settings every service process reads (and the migration Job, which connects to no broker). */}}
{{- define "pidesk.commonEnv" -}}
- name: PIDESK_ENV
  value: {{ .Values.environment | quote }}
- name: PIDESK_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: PIDESK_VAR_DIR
  value: /var/lib/pidesk
{{- end }}

{{- define "pidesk.kafkaEnv" -}}
- name: KAFKA_BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required" .Values.kafka.bootstrapServers | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ include "pidesk.kafkaProtocol" . | quote }}
{{- if .Values.kafka.sasl.enabled }}
- name: KAFKA_SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  value: {{ required "kafka.sasl.username is required with kafka.sasl.enabled" .Values.kafka.sasl.username | quote }}
{{ include "pidesk.secretEnv" (list "KAFKA_SASL_PASSWORD" (include "pidesk.kafkaSecretName" .) (include "pidesk.kafkaSecretKey" .)) }}
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: KAFKA_SSL_CAFILE
  value: /etc/pidesk/kafka-ca/ca.crt
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.clientSecret.name }}
- name: KAFKA_SSL_CERTFILE
  value: /etc/pidesk/kafka-client/tls.crt
- name: KAFKA_SSL_KEYFILE
  value: /etc/pidesk/kafka-client/tls.key
{{- end }}
- name: PIDESK_KAFKA_TOPIC_PARTITIONS
  value: {{ .Values.kafka.topicPartitions | quote }}
- name: PIDESK_KAFKA_TOPIC_REPLICATION
  value: {{ .Values.kafka.topicReplication | quote }}
- name: PIDESK_CONSUMER_GROUP_SUFFIX
  value: {{ .Values.kafka.consumerGroupSuffix | quote }}
{{- end }}

{{/* The writable places of a read-only root filesystem, the policy files and the Kafka TLS files. */}}
{{- define "pidesk.volumes" -}}
- name: var
  emptyDir: {}
- name: tmp
  emptyDir: {}
{{- if include "pidesk.policySource" . }}
- name: policy
  secret:
    secretName: {{ include "pidesk.policySource" . }}
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.tls.caSecret.name }}
    items:
      - key: {{ .Values.kafka.tls.caSecret.key }}
        path: ca.crt
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.clientSecret.name }}
- name: kafka-client
  secret:
    secretName: {{ .Values.kafka.tls.clientSecret.name }}
    defaultMode: 0400
    items:
      - key: {{ .Values.kafka.tls.clientSecret.certKey }}
        path: tls.crt
      - key: {{ .Values.kafka.tls.clientSecret.keyKey }}
        path: tls.key
{{- end }}
{{- end }}

{{- define "pidesk.volumeMounts" -}}
- name: var
  mountPath: /var/lib/pidesk
- name: tmp
  mountPath: /tmp
{{- if include "pidesk.policySource" . }}
- name: policy
  mountPath: /etc/pidesk/policy
  readOnly: true
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.caSecret.name }}
- name: kafka-ca
  mountPath: /etc/pidesk/kafka-ca
  readOnly: true
{{- end }}
{{- if and .Values.kafka.tls.enabled .Values.kafka.tls.clientSecret.name }}
- name: kafka-client
  mountPath: /etc/pidesk/kafka-client
  readOnly: true
{{- end }}
{{- end }}

{{/* The Secret of policy files, if any: yours, or the chart's when a file is given in the values. */}}
{{- define "pidesk.policySource" -}}
{{- if .Values.policy.existingSecret }}{{ .Values.policy.existingSecret }}
{{- else if or .Values.policy.directory .Values.policy.routing .Values.policy.correlation .Values.policy.cases }}{{ include "pidesk.fullname" . }}-policy
{{- end }}
{{- end }}

{{/* A policy file's env var, when the file is given (call with (list $ "directory" "PIDESK_DIRECTORY")).
An existing Secret holds the first three files; cases.yaml only when `policy.existingSecretCases` says so. */}}
{{- define "pidesk.policyEnv" -}}
{{- $root := index . 0 }}{{ $file := index . 1 }}
{{- $existing := and $root.Values.policy.existingSecret (or (ne $file "cases") $root.Values.policy.existingSecretCases) }}
{{- if or $existing (index $root.Values.policy $file) }}
- name: {{ index . 2 }}
  value: /etc/pidesk/policy/{{ $file }}.yaml
{{- end }}
{{- end }}

{{/* Labels of the pods allowed to call a service from inside the release (NetworkPolicy peers). */}}
{{- define "pidesk.peer" -}}
- podSelector:
    matchLabels:
      {{- include "pidesk.selectorLabels" . | nindent 6 }}
{{- end }}

{{/* Fails the rendering when a secret the chart must create was not given. */}}
{{- define "pidesk.requireSecret" -}}
{{- if not (index . 1) }}{{ fail (printf "%s is required (or name a Secret of yours in %s)" (index . 0) (index . 2)) }}{{ end }}
{{- end }}
