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
# The controller's and the agent's logs go to files, so the URL and the logins stay the last
# lines on the terminal instead of scrolling away under a request line every 15 s.
SERVE_LOG=var/demo-controller.log AGENT_LOG=var/demo-agent.log

mkdir -p var
# The office's electronic seal on issued forms: a demo CA and certificate (production: BSrE's).
if [ -z "${TITIP_SEAL_P12:-}" ]; then
  [ -f var/pki/office-seal.p12 ] || "$BIN/titip" pki init-demo --dir var/pki >/dev/null
  export TITIP_SEAL_P12=var/pki/office-seal.p12 TITIP_SEAL_PASSPHRASE=titip-demo-seal
fi
"$BIN/titip" db upgrade
"$BIN/titip" demo seed
"$BIN/titip" serve --host "$HOST" --port "$PORT" >"$SERVE_LOG" 2>&1 & SERVE=$!
AGENT=
# Ctrl-C (or a TERM) is the normal way to stop a demo: stop both, say so, and exit 0, so make
# reports no "Error 130" / "Error 143". Any other exit still takes the two processes along.
stop() {
  trap - INT TERM
  kill $SERVE $AGENT 2>/dev/null || true
  wait 2>/dev/null || true
  echo; echo "Titip stopped (logs: $SERVE_LOG, $AGENT_LOG)."
  exit 0
}
trap stop INT TERM
trap 'kill $SERVE $AGENT 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$URL/healthz" >/dev/null || { echo "the controller did not start; see $SERVE_LOG:" >&2; tail -20 "$SERVE_LOG" >&2; exit 1; }

# The agent on this machine stands in for the one on server DL-R740-7781 (unit DISKES). It
# enrols afresh each time: a credential and controller URL kept from an earlier demo (another
# database, another port) would leave it reporting nowhere.
rm -rf "$AGENT_DIR"
"$BIN/titip" demo agent-token --serial DL-R740-7781 \
  | "$BIN/titip-agent" enroll --controller "$URL" --token - --state-dir "$AGENT_DIR"
"$BIN/titip-agent" run --state-dir "$AGENT_DIR" --interval 15 >"$AGENT_LOG" 2>&1 & AGENT=$!

# Printed last, once both are running: nothing else writes to the terminal after the logins.
echo
echo "A local agent reports for server DL-R740-7781 every 15 s."
echo "Logs: $SERVE_LOG (controller), $AGENT_LOG (agent). Ctrl-C stops both."
echo "API docs: $URL/docs   metrics: $URL/metrics"
echo
echo "Titip is at $URL/  - log in at $URL/login (README: \"First five minutes in the browser\")"
"$BIN/titip" demo logins 2>/dev/null || true
wait $SERVE
