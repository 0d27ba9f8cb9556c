#!/bin/sh
# A client.authentication.k8s.io/v1 exec credential plugin for tests. Each run bumps the
# counter in $COUNTER_FILE and answers token "exec-token-<count>", expiring at $EXPIRES (if set).
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
cat <<JSON
{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
 "status": {"token": "exec-token-$count"$expiry}}
JSON
