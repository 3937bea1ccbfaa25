{{/*
Names. Objects are <fullname>-<role>[-suffix]; fullname is the release name unless overridden, cut
to 40 characters so the longest suffix ("-presence-headless") still fits a 63-character DNS label.
*/}}
{{- define "concord.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{/* The Service whose ready endpoints are a role's ring members (gRPC port named "grpc"). */}}
{{- define "concord.headlessName" -}}
{{- printf "%s-%s-headless" (include "concord.fullname" .root) .role -}}
{{- end }}

{{/*
The services' own ports (fixed in each service's concord-<svc>.yaml; the chart does not move them).
management is the actuator port: health probes and /actuator/prometheus.
*/}}
{{- define "concord.ports" -}}
registry: {grpc: 7700, management: 8700}
guild: {grpc: 7710, management: 8710}
session: {grpc: 7720, management: 8720}
presence: {grpc: 7730, management: 8730}
gateway: {grpc: 7740, management: 8740, http: 8080}
{{- end }}

{{- define "concord.grpcPort" -}}
{{- index (include "concord.ports" . | fromYaml) .role "grpc" | int -}}
{{- end }}

{{- define "concord.managementPort" -}}
{{- index (include "concord.ports" . | fromYaml) .role "management" | int -}}
{{- end }}

{{/* Labels; argument: dict "root" $ "role" <role>. */}}
{{- define "concord.selectorLabels" -}}
app.kubernetes.io/name: concord
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "concord.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "concord.selectorLabels" . }}
app.kubernetes.io/part-of: concord
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Labels of objects that belong to the release as a whole (no component). */}}
{{- define "concord.releaseLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: concord
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: concord
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "concord.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := printf "%s/%s" $img.repository .role -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo }}{{ end -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag) -}}
{{- end }}

{{- define "concord.registryAddress" -}}
{{- printf "%s-registry:%d" (include "concord.fullname" .) 7700 -}}
{{- end }}

{{/* Secrets: the chart's own when a value is given, otherwise the operator's existingSecret. */}}
{{- define "concord.tokenSecretName" -}}
{{- $t := .Values.gateway.tokenSecret -}}
{{- if $t.value -}}
{{- printf "%s-gateway-token" (include "concord.fullname" .) -}}
{{- else if $t.existingSecret -}}
{{- $t.existingSecret -}}
{{- else -}}
{{- fail "gateway.tokenSecret: no client-token key. Set gateway.tokenSecret.existingSecret to the name of a Secret you manage (key gateway.tokenSecret.existingSecretKey), or gateway.tokenSecret.value to an HS256 key of at least 32 characters" -}}
{{- end -}}
{{- end }}

{{- define "concord.tokenSecretKey" -}}
{{- if .Values.gateway.tokenSecret.value }}token-secret{{ else }}{{ .Values.gateway.tokenSecret.existingSecretKey }}{{ end -}}
{{- end }}

{{- define "concord.postgresqlSecretName" -}}
{{- $p := .Values.postgresql -}}
{{- if $p.password -}}
{{- printf "%s-postgresql" (include "concord.fullname" .) -}}
{{- else if $p.existingSecret -}}
{{- $p.existingSecret -}}
{{- else -}}
{{- fail "postgresql: no database credentials. Set postgresql.existingSecret to the name of a Secret you manage (keys postgresql.existingSecretUsernameKey / existingSecretPasswordKey), or postgresql.username and postgresql.password" -}}
{{- end -}}
{{- end }}

{{/*
The pod template shared by every role. Argument: dict
  root  $
  role  registry | guild | session | presence | gateway
  env   (optional) role-specific env entries, YAML list text
  terminationGracePeriodSeconds, lifecycle (YAML text), checksum (all optional)
Every pod: non-root uid 10001, read-only root filesystem with an emptyDir at /tmp, no privilege
escalation, no capabilities, RuntimeDefault seccomp; a gRPC startup probe (the server is up and
SERVING), actuator liveness and readiness (readiness turns false on shutdown, so endpoints - and
with them the registry's ring - drop the pod before it stops).
*/}}
{{- define "concord.podTemplate" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- $v := index $root.Values $role -}}
{{- $grpc := include "concord.grpcPort" . | int -}}
{{- $prefix := printf "CONCORD_%s" (upper $role) -}}
metadata:
  labels:
    {{- include "concord.labels" . | nindent 4 }}
  {{- if or .checksum $v.podAnnotations }}
  annotations:
    {{- with .checksum }}
    checksum/secret: {{ . }}
    {{- end }}
    {{- with $v.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- end }}
spec:
  {{- if eq $role "registry" }}
  serviceAccountName: {{ include "concord.fullname" $root }}-registry
  automountServiceAccountToken: true
  {{- else }}
  # only the registry talks to the Kubernetes API
  automountServiceAccountToken: false
  {{- end }}
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds | default 30 }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ $role }}
      image: {{ include "concord.image" . }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      ports:
        - name: grpc
          containerPort: {{ $grpc }}
          protocol: TCP
        - name: management
          containerPort: {{ include "concord.managementPort" . }}
          protocol: TCP
        {{- if eq $role "gateway" }}
        - name: http
          containerPort: 8080
          protocol: TCP
        {{- end }}
      env:
        - name: POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        # the pod name is the pod's identity on its ring (the registry reads it from the endpoints)
        - name: {{ $prefix }}_POD_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: {{ $prefix }}_ADVERTISE_ADDRESS
          value: "$(POD_IP):{{ $grpc }}"
        {{- if ne $role "registry" }}
        - name: {{ $prefix }}_REGISTRY_ADDRESS
          value: {{ include "concord.registryAddress" $root | quote }}
        {{- end }}
        - name: JAVA_TOOL_OPTIONS
          value: {{ $v.javaToolOptions | quote }}
        {{- with $root.Values.tracing }}
        {{- if ne (toString .mode) "off" }}
        - name: CONCORD_TRACING_MODE
          value: {{ .mode | quote }}
        - name: CONCORD_TRACING_OTLP_ENDPOINT
          value: {{ .otlpEndpoint | default "" | quote }}
        - name: CONCORD_TRACING_SAMPLE_RATE
          value: {{ .sampleRate | toString | quote }}
        - name: CONCORD_TRACING_FANOUT_SAMPLING
          value: {{ .fanoutSampling | quote }}
        - name: CONCORD_TRACING_MAX_QUEUED_SPANS
          value: {{ .maxQueuedSpans | int | toString | quote }}
        {{- end }}
        {{- end }}
        {{- with .env }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $v.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      startupProbe:
        grpc:
          port: {{ $grpc }}
        periodSeconds: 2
        timeoutSeconds: 2
        failureThreshold: 60
      livenessProbe:
        httpGet:
          path: /actuator/health/liveness
          port: management
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /actuator/health/readiness
          port: management
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      {{- with .lifecycle }}
      lifecycle:
        {{- . | nindent 8 }}
      {{- end }}
      resources:
        {{- toYaml $v.resources | nindent 8 }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        privileged: false
        capabilities:
          drop:
            - ALL
        seccompProfile:
          type: RuntimeDefault
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $root.Values.tmpSizeLimit }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if $root.Values.spreadOverNodes }}
  topologySpreadConstraints:
    - maxSkew: 1
      topologyKey: kubernetes.io/hostname
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "concord.selectorLabels" . | nindent 10 }}
  {{- end }}
{{- end }}

{{/*
A role's headless Service: its ready endpoints are the role's ring members. The port named "grpc"
is the contract with the registry; not-ready pods stay out (publishNotReadyAddresses: false).
*/}}
{{- define "concord.headlessService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "concord.headlessName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "concord.labels" . | nindent 4 }}
    concord.dev/metrics: "true"
spec:
  clusterIP: None
  publishNotReadyAddresses: false
  selector:
    {{- include "concord.selectorLabels" . | nindent 4 }}
  ports:
    - name: grpc
      port: {{ include "concord.grpcPort" . }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: management
      port: {{ include "concord.managementPort" . }}
      targetPort: management
      protocol: TCP
{{- end }}

{{/* A role's PodDisruptionBudget, when enabled. */}}
{{- define "concord.pdb" -}}
{{- $pdb := (index .root.Values .role).podDisruptionBudget -}}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "concord.fullname" .root }}-{{ .role }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "concord.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "concord.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
A role's Deployment. Argument: the podTemplate dict plus
  replicas  (optional) omitted when nil, e.g. while an HPA owns the count
  strategy  (optional) YAML text; default: surge one new pod before an old one stops, so a role
            never has fewer ready members during a rollout
*/}}
{{- define "concord.deployment" -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "concord.fullname" .root }}-{{ .role }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "concord.labels" . | nindent 4 }}
spec:
  {{- if not (kindIs "invalid" .replicas) }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    {{- if .strategy }}
    {{- .strategy | nindent 4 }}
    {{- else }}
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
    {{- end }}
  selector:
    matchLabels:
      {{- include "concord.selectorLabels" . | nindent 6 }}
  template:
    {{- include "concord.podTemplate" . | nindent 4 }}
{{- end }}
