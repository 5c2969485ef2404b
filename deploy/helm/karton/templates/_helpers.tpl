{{/* The chart's name, and the release's full name (at most 63 characters, a DNS label). */}}
{{- define "karton.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "karton.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object; karton.selector (with a component) picks one role's pods. */}}
{{- define "karton.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "karton.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: karton
{{- end -}}

{{- define "karton.selector" -}}
app.kubernetes.io/name: {{ include "karton.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "karton.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "karton.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "karton.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret each secret comes from: the one named in the values, else the chart's own. */}}
{{- define "karton.secretName" -}}
{{- include "karton.fullname" . }}-secrets
{{- end -}}

{{/*
karton.env: the environment of every container: the ConfigMap, then the
secrets one by one (each from its existing Secret or the chart's).
*/}}
{{- define "karton.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if .Values.database.existingSecret.name }}
      name: {{ .Values.database.existingSecret.name }}
      key: {{ .Values.database.existingSecret.key }}
      {{- else }}
      name: {{ include "karton.secretName" . }}
      key: DATABASE_URL
      {{- end }}
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      {{- if .Values.s3.existingSecret.name }}
      name: {{ .Values.s3.existingSecret.name }}
      key: {{ .Values.s3.existingSecret.accessKeyKey }}
      {{- else }}
      name: {{ include "karton.secretName" . }}
      key: S3_ACCESS_KEY
      {{- end }}
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      {{- if .Values.s3.existingSecret.name }}
      name: {{ .Values.s3.existingSecret.name }}
      key: {{ .Values.s3.existingSecret.secretKeyKey }}
      {{- else }}
      name: {{ include "karton.secretName" . }}
      key: S3_SECRET_KEY
      {{- end }}
- name: KARTON_PAYLOAD_KEYS_FILE
  value: /etc/karton/keys/payload.json
{{- if .Values.temporal.tls.enabled }}
- name: TEMPORAL_TLS_CERT
  value: /etc/karton/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/karton/temporal-tls/tls.key
{{- if .Values.temporal.tls.ca }}
- name: TEMPORAL_TLS_CA
  value: /etc/karton/temporal-tls/ca.crt
{{- end }}
{{- with .Values.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "karton.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: payload-keys
  secret:
    {{- if .Values.payloadKeys.existingSecret.name }}
    secretName: {{ .Values.payloadKeys.existingSecret.name }}
    items:
      - key: {{ .Values.payloadKeys.existingSecret.key }}
        path: payload.json
    {{- else }}
    secretName: {{ include "karton.secretName" . }}
    items:
      - key: payload.json
        path: payload.json
    {{- end }}
    defaultMode: 0440
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret: name the Secret with tls.crt and tls.key" .Values.temporal.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "karton.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: payload-keys
  mountPath: /etc/karton/keys
  readOnly: true
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/karton/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* Spread a role's pods over nodes and zones when there are several. */}}
{{- define "karton.spread" -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "karton.selector" . | nindent 6 }}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "karton.selector" . | nindent 6 }}
{{- end -}}
