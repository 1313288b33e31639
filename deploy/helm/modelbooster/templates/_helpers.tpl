{{/* Names, labels and the pieces several templates share. */}}

{{- define "modelbooster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name
when it already contains the chart name, else <release>-<chart>. 52
characters at most, so that "-webhook-cert" and the like still fit in 63.
*/}}
{{- define "modelbooster.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "modelbooster.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "modelbooster.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelbooster.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "modelbooster.labels" -}}
helm.sh/chart: {{ include "modelbooster.chart" . }}
{{ include "modelbooster.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: modelbooster
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "modelbooster.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "modelbooster.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "modelbooster.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The controller reads these two names from its source; they are not values. */}}
{{- define "modelbooster.configMapName" -}}model-booster-controller-config{{- end }}
{{- define "modelbooster.leaseName" -}}modelbooster-controller{{- end }}

{{/* The webhook serving certificate: Secret, mount and cert-manager names. */}}
{{- define "modelbooster.webhookSecretName" -}}
{{- printf "%s-webhook-cert" (include "modelbooster.fullname" .) }}
{{- end }}
{{- define "modelbooster.webhookCertDir" -}}/etc/modelbooster/webhook-certs{{- end }}
{{- define "modelbooster.certificateName" -}}
{{- printf "%s-webhook" (include "modelbooster.fullname" .) }}
{{- end }}

{{/* The DNS names the API server may use for the webhook Service. */}}
{{- define "modelbooster.webhookDNSNames" -}}
{{- $svc := include "modelbooster.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toYaml }}
{{- end }}

{{/*
Value combinations the schema cannot refuse; every template that depends on
them includes this.
*/}}
{{- define "modelbooster.checkValues" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicas is %d but leaderElection.enabled is false: without leader election every replica would reconcile and write the same children. Set leaderElection.enabled=true or replicas=1." (int .Values.replicas)) }}
{{- end }}
{{- end }}

{{/*
The rules for what the controller does in the namespaces it watches:
ModelBoosters (list/watch for its cache, the status subresource written by
the reconciler), the serving stack's child kinds, and Events on boosters.
One rule per API group and resource set, verbs sorted. docs/install.md
(## RBAC) says which code makes each request.
*/}}
{{- define "modelbooster.watchedRules" -}}
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "get", "patch"]
{{- if gt (int .Values.controller.loraSyncThreads) 0 }}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
{{- end }}
- apiGroups: ["networking.serving.volcano.sh"]
  resources: ["modelroutes", "modelservers"]
  verbs: ["create", "delete", "get", "list", "update", "watch"]
- apiGroups: ["workload.serving.volcano.sh"]
  resources: ["modelboosters"]
  verbs: ["list", "watch"]
- apiGroups: ["workload.serving.volcano.sh"]
  resources: ["modelboosters/status"]
  verbs: ["update"]
- apiGroups: ["workload.serving.volcano.sh"]
  {{- if eq .Values.controller.servingStack "v1.0" }}
  resources: ["autoscalingpolicies", "modelservings"]
  {{- else }}
  resources: ["autoscalingpolicies", "autoscalingpolicybindings", "modelservings"]
  {{- end }}
  verbs: ["create", "delete", "get", "list", "update", "watch"]
{{- end }}

{{/* API discovery of the serving stack's group/versions (non-resource URLs: ClusterRole only). */}}
{{- define "modelbooster.discoveryRule" -}}
- nonResourceURLs: ["/apis/networking.serving.volcano.sh/v1alpha1", "/apis/workload.serving.volcano.sh/v1alpha1"]
  verbs: ["get"]
{{- end }}
