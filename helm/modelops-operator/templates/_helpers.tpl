{{/*
Named templates of the modelops-operator chart: names, labels, the image reference, the
leader-election switch and the watched namespace.
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "modelops-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: fullnameOverride, else "<release>-<name>" (just the release name when it contains the name). */}}
{{- define "modelops-operator.fullname" -}}
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

{{/* "modelops-operator-0.1.0" for the helm.sh/chart label. */}}
{{- define "modelops-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the operator's pods (never change them between upgrades). */}}
{{- define "modelops-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelops-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every object of the release. */}}
{{- define "modelops-operator.labels" -}}
helm.sh/chart: {{ include "modelops-operator.chart" . }}
{{ include "modelops-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelops
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "modelops-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "modelops-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "modelops-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* "true" when leader election is on: forced by leaderElection.enabled, or "auto" with more than one replica. */}}
{{- define "modelops-operator.leaderElect" -}}
{{- $enabled := .Values.leaderElection.enabled }}
{{- if kindIs "bool" $enabled }}
{{- ternary "true" "false" $enabled }}
{{- else if ne (toString $enabled) "auto" }}
{{- fail "leaderElection.enabled must be auto, true or false" }}
{{- else if gt (int .Values.replicaCount) 1 }}
{{- "true" }}
{{- else }}
{{- "false" }}
{{- end }}
{{- end }}

{{/* The namespace watched with rbac.scope=namespace: watchNamespace, else the release namespace. */}}
{{- define "modelops-operator.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace }}
{{- end }}

{{/* "true" when rbac.scope is namespace (case-insensitive: Namespace too), else "false". */}}
{{- define "modelops-operator.namespaced" -}}
{{- ternary "true" "false" (eq (lower (toString .Values.rbac.scope)) "namespace") }}
{{- end }}

{{/* Fails the render on an rbac.scope other than cluster or namespace. */}}
{{- define "modelops-operator.validate" -}}
{{- if not (has (lower (toString .Values.rbac.scope)) (list "cluster" "namespace")) }}
{{- fail "rbac.scope must be cluster or namespace (Cluster, Namespace)" }}
{{- end }}
{{- end }}

{{/* modelops-gateway (templates/gateway-*.yaml): its name, "<fullname>-gateway". */}}
{{- define "modelops-operator.gatewayName" -}}
{{- printf "%s-gateway" (include "modelops-operator.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the gateway's pods: a name of their own, so that neither the operator's Deployment nor its
metrics Service ever selects them (and the gateway's never selects the operator's). */}}
{{- define "modelops-operator.gatewaySelectorLabels" -}}
app.kubernetes.io/name: {{ include "modelops-operator.name" . }}-gateway
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels on every gateway object. */}}
{{- define "modelops-operator.gatewayLabels" -}}
helm.sh/chart: {{ include "modelops-operator.chart" . }}
{{ include "modelops-operator.gatewaySelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelops
app.kubernetes.io/component: gateway
{{- end }}

{{/* The gateway's image, repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "modelops-operator.gatewayImage" -}}
{{- printf "%s:%s" .Values.gateway.image.repository (default .Chart.AppVersion .Values.gateway.image.tag) }}
{{- end }}

{{/* The Secret of the gateway's signing keys: gateway.keySecret.name, else "<fullname>-gateway-keys". */}}
{{- define "modelops-operator.gatewayKeySecret" -}}
{{- default (printf "%s-keys" (include "modelops-operator.gatewayName" .)) .Values.gateway.keySecret.name }}
{{- end }}

{{/* The namespaces the gateway serves, comma-separated: gateway.namespaces, else the release namespace. */}}
{{- define "modelops-operator.gatewayNamespaces" -}}
{{- if .Values.gateway.namespaces }}
{{- join "," (uniq .Values.gateway.namespaces) }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}
