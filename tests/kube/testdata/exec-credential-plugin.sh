#!/bin/sh
# A client.authentication.k8s.io/v1 exec credential plugin for tests. Each run bumps the
# counter in $COUNTER_FILE and answers token "exec-token-<count>", expiring at $EXPIRES (if set).
# With $CERT_DIR it answers a client certificate instead: $CERT_DIR/client-<count>.crt and .key,
# expiring at the time in $CERT_DIR/client-<count>.expires (if that file exists).
# It saves $KUBERNETES_EXEC_INFO next to the counter so tests can check what the client sent.
set -eu
count=$(cat "$COUNTER_FILE" 2>/dev/null || echo 0)
count=$((count + 1))
echo "$count" > "$COUNTER_FILE"
printf '%s' "${KUBERNETES_EXEC_INFO:-}" > "$COUNTER_FILE.info"
if [ "${FAIL:-}" = "1" ]; then
  echo "plugin: asked to fail" >&2
  exit 3
fi
expiry=""
if [ -n "${EXPIRES:-}" ]; then
  expiry=", \"expirationTimestamp\": \"$EXPIRES\""
fi
# A PEM file as a JSON string body: newlines escaped (PEM has no quotes or backslashes).
pem_json() {
  awk '{ printf "%s\\n", $0 }' "$1"
}
if [ -n "${CERT_DIR:-}" ] && [ -f "$CERT_DIR/client-$count.expires" ]; then
  expiry=", \"expirationTimestamp\": \"$(cat "$CERT_DIR/client-$count.expires")\""
fi
if [ -n "${CERT_DIR:-}" ]; then
  credential="\"clientCertificateData\": \"$(pem_json "$CERT_DIR/client-$count.crt")\",
 \"clientKeyData\": \"$(pem_json "$CERT_DIR/client-$count.key")\""
else
  credential="\"token\": \"exec-token-$count\""
fi
cat <<JSON
{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
 "status": {$credential$expiry}}
JSON
