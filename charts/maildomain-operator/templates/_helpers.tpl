{{/* Names, labels and derived settings shared by the templates. */}}

{{- define "maildomain-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The object name prefix: the release name, plus the chart name unless already in it. */}}
{{- define "maildomain-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "maildomain-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "maildomain-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "maildomain-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "maildomain-operator.labels" -}}
helm.sh/chart: {{ include "maildomain-operator.chart" . }}
{{ include "maildomain-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: maildomain-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "maildomain-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "maildomain-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "maildomain-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* "true" when leader election is on: forced by the value, or auto with more than one replica. */}}
{{- define "maildomain-operator.leaderElect" -}}
{{- $enabled := .Values.leaderElection.enabled }}
{{- if kindIs "bool" $enabled }}
{{- ternary "true" "false" $enabled }}
{{- else }}
{{- ternary "true" "false" (gt (int .Values.replicaCount) 1) }}
{{- end }}
{{- end }}

{{- define "maildomain-operator.leaderElectionNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{- define "maildomain-operator.leaderElectionId" -}}
{{- default (include "maildomain-operator.fullname" .) .Values.leaderElection.id }}
{{- end }}

{{/* The operator's configuration file (docs/configuration.md), complete, in its documented order. */}}
{{- define "maildomain-operator.config" -}}
dns:
  servers: {{ toJson .Values.config.dns.servers }}
  timeoutMs: {{ int .Values.config.dns.timeoutMs }}
  attempts: {{ int .Values.config.dns.attempts }}
  cache:
    minTtlSeconds: {{ int .Values.config.dns.cache.minTtlSeconds }}
    maxTtlSeconds: {{ int .Values.config.dns.cache.maxTtlSeconds }}
    maxBytes: {{ int64 .Values.config.dns.cache.maxBytes }}
checks:
  defaultInterval: {{ .Values.config.checks.defaultInterval | quote }}
blacklists:
  ipZones: {{ toJson .Values.config.blacklists.ipZones }}
  domainZones: {{ toJson .Values.config.blacklists.domainZones }}
workers: {{ int .Values.config.workers }}
domainsPerWorker: {{ int .Values.config.domainsPerWorker }}
namespaces: {{ toJson .Values.watchNamespaces }}
leaderElection:
  enabled: {{ include "maildomain-operator.leaderElect" . }}
  namespace: {{ include "maildomain-operator.leaderElectionNamespace" . | quote }}
  id: {{ include "maildomain-operator.leaderElectionId" . | quote }}
  leaseDuration: {{ .Values.leaderElection.leaseDuration | quote }}
  renewDeadline: {{ .Values.leaderElection.renewDeadline | quote }}
  retryPeriod: {{ .Values.leaderElection.retryPeriod | quote }}
metricsBindAddress: {{ printf ":%d" (int .Values.ports.metrics) | quote }}
healthProbeBindAddress: {{ printf ":%d" (int .Values.ports.health) | quote }}
log:
  level: {{ .Values.log.level }}
  format: {{ .Values.log.format }}
{{- end }}

{{/* The operator's RBAC rules on MailDomains and events (cluster-wide or per watched namespace). */}}
{{- define "maildomain-operator.controllerRules" -}}
- apiGroups: ["mailops.dev"]
  resources: ["maildomains"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["mailops.dev"]
  resources: ["maildomains/status"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
# core/v1 events: the fallback for clusters or clients without events.k8s.io/v1.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}
