{{/* Chart name, truncated. */}}
{{- define "marina.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Full name of the release's objects. At most 52 characters: the StatefulSet's pods and its
controller-revision-hash label add a suffix and must stay within 63.
*/}}
{{- define "marina.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "marina.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "marina.selectorLabels" -}}
app.kubernetes.io/name: {{ include "marina.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "marina.labels" -}}
helm.sh/chart: {{ include "marina.chart" . }}
{{ include "marina.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "marina.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "marina.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "marina.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The shard of an integration, as Marina computes it (src/config/shard.ts): its explicit `shard`
when set, else the first 32 bits of the SHA-256 of its identifier (big-endian) modulo the shard
count. Called with (list $integration $count).
*/}}
{{- define "marina.shardOf" -}}
{{- $integration := index . 0 -}}
{{- $count := int (index . 1) -}}
{{- if and (hasKey $integration "shard") (not (kindIs "invalid" $integration.shard)) -}}
{{- int $integration.shard -}}
{{- else -}}
{{- $digits := dict "0" 0 "1" 1 "2" 2 "3" 3 "4" 4 "5" 5 "6" 6 "7" 7 "8" 8 "9" 9 "a" 10 "b" 11 "c" 12 "d" 13 "e" 14 "f" 15 -}}
{{- $value := 0 -}}
{{- range $digit := splitList "" (sha256sum (toString $integration.identifier) | trunc 8) -}}
{{- $value = add (mul $value 16) (get $digits $digit) -}}
{{- end -}}
{{- mod $value $count -}}
{{- end -}}
{{- end -}}

{{/* Refuses values Kubernetes or Marina would refuse later, with a message naming them. */}}
{{- define "marina.checks" -}}
{{- $shards := int .Values.shards -}}
{{- if and (gt $shards 1) .Values.persistence.existingClaim -}}
{{- fail "persistence.existingClaim works with shards: 1 only (each shard needs its own volume; leave it empty to get one claim per pod)" -}}
{{- end -}}
{{- if and (gt $shards 1) (semverCompare "<1.28.0-0" .Capabilities.KubeVersion.Version) -}}
{{- fail (printf "shards > 1 needs Kubernetes 1.28 or later (the apps.kubernetes.io/pod-index label); this cluster is %s" .Capabilities.KubeVersion.Version) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $index, $integration := .Values.integrations -}}
{{- if hasKey $seen (toString $integration.identifier) -}}
{{- fail (printf "integrations[%d]: duplicate identifier %q" $index $integration.identifier) -}}
{{- end -}}
{{- $_ := set $seen (toString $integration.identifier) true -}}
{{- if and (hasKey $integration "shard") (not (kindIs "invalid" $integration.shard)) -}}
{{- if ge (int $integration.shard) $shards -}}
{{- fail (printf "integrations[%d] (%s): shard %d does not exist with shards: %d (shards are numbered 0 to %d)" $index $integration.identifier (int $integration.shard) $shards (sub $shards 1)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
