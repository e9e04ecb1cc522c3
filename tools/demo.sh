#!/usr/bin/env bash
# `make demo`: the controller on SQLite with demo data, and a local agent reporting for one server.
set -euo pipefail
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
export TITIP_DATABASE_URL=${TITIP_DATABASE_URL:-sqlite:///var/demo.db}
# A demo on loopback: the development secret key is accepted and /metrics is open (never in production).
export TITIP_DEMO=1 TITIP_METRICS_OPEN=true
AGENT_DIR=var/demo-agent
URL="http://$HOST:$PORT"

mkdir -p var
# The office's electronic seal on issued forms: a demo CA and certificate (production: BSrE's).
if [ -z "${TITIP_SEAL_P12:-}" ]; then
  [ -f var/pki/office-seal.p12 ] || "$BIN/titip" pki init-demo --dir var/pki >/dev/null
  export TITIP_SEAL_P12=var/pki/office-seal.p12 TITIP_SEAL_PASSPHRASE=titip-demo-seal
fi
"$BIN/titip" db upgrade
"$BIN/titip" demo seed
"$BIN/titip" serve --host "$HOST" --port "$PORT" & SERVE=$!
AGENT=
trap 'kill $SERVE $AGENT 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done

# The agent on this machine stands in for the one on server DL-R740-7781 (unit DISKES). It
# enrols afresh each time: a credential and controller URL kept from an earlier demo (another
# database, another port) would leave it reporting nowhere.
rm -rf "$AGENT_DIR"
"$BIN/titip" demo agent-token --serial DL-R740-7781 \
  | "$BIN/titip-agent" enroll --controller "$URL" --token - --state-dir "$AGENT_DIR"
"$BIN/titip-agent" run --state-dir "$AGENT_DIR" --interval 15 >var/demo-agent.log 2>&1 & AGENT=$!

echo
echo "Titip is at $URL/  (login: $URL/login, API docs: $URL/docs, metrics: $URL/metrics)"
"$BIN/titip" demo logins 2>/dev/null || true
echo "A local agent reports for server DL-R740-7781 every 15 s (log: var/demo-agent.log). Ctrl-C stops all."
wait $SERVE
