{{/* The image name, repository:tag. */}}
{{- define "plrd.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end }}

{{/* Labels every object carries: deploy/base's labels, with Helm as the manager. */}}
{{- define "plrd.commonLabels" -}}
app.kubernetes.io/part-of: plrd
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{/* Labels of the operator's own objects. */}}
{{- define "plrd.labels" -}}
app.kubernetes.io/name: plrd-operator
app.kubernetes.io/component: operator
{{ include "plrd.commonLabels" . }}
{{- end }}

{{/* The pod selector (never changes between releases). */}}
{{- define "plrd.selector" -}}
app.kubernetes.io/name: plrd-operator
app.kubernetes.io/instance: plrd-operator
{{- end }}
