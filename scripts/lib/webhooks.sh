# Admission webhooks for a controller running outside the cluster (sourced,
# not run): a serving certificate for 127.0.0.1 and the chart's own webhook
# configurations (deploy/helm/modelbooster, rendered by `helm template`)
# with a url on loopback in place of the Service. Used by scripts/run.sh and
# test/e2e/chart.sh, so both register the webhooks exactly as the chart does.
# Needs openssl, jq, yq, kubectl and scripts/helm.sh; the caller has set -e.

# webhook_certs DIR: DIR/ca.crt, and DIR/tls.crt + DIR/tls.key for
# IP:127.0.0.1, signed by it (valid one day: for a local run).
webhook_certs() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=modelbooster-local-webhook-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=modelbooster-webhook" -keyout "$dir/tls.key" \
    -out "$dir/tls.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
    -extfile "$dir/ext.cnf" -out "$dir/tls.crt" 2>/dev/null
}

# chart_webhooks OUT RELEASE NAMESPACE PORT CA_FILE [ONLY_NAMESPACE]: writes
# to OUT (one JSON object per line) the chart's Validating- and
# MutatingWebhookConfiguration for release RELEASE in NAMESPACE, pointed at
# https://127.0.0.1:PORT<path> and trusting CA_FILE; with ONLY_NAMESPACE
# they apply to that namespace only (the chart's default: every namespace).
# The configurations' names get "-local" (and the namespace) appended.
chart_webhooks() {
  local out=$1 release=$2 ns=$3 port=$4 ca=$5 only=${6:-} repo helm
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  helm=$("$repo/scripts/helm.sh" --path)
  "$helm" template "$release" "$repo/deploy/helm/modelbooster" -n "$ns" --set fullnameOverride="$release" |
    yq -c 'select(.kind == "ValidatingWebhookConfiguration" or .kind == "MutatingWebhookConfiguration")' |
    jq -c --arg ca "$(base64 -w0 <"$ca")" --arg base "https://127.0.0.1:$port" --arg only "$only" '
      .metadata.name += "-local" + (if $only == "" then "" else "-" + $only end)
      | .webhooks |= map(.clientConfig = {url: ($base + .clientConfig.service.path), caBundle: $ca}
                         | if $only == "" then . else
                             .namespaceSelector = {matchLabels: {"kubernetes.io/metadata.name": $only}} end)' \
      >"$out"
  [[ $(wc -l <"$out") == 2 ]] || {
    echo "chart_webhooks: the chart rendered no pair of webhook configurations" >&2
    return 1
  }
}
