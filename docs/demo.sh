#!/usr/bin/env bash
# What `make demo` runs: Lamina on the four samples, each handler in a local Lambda execution
# environment (a child Python process behind the Lambda Runtime API), no Docker.
# Run from the repository root after `make install` (or just `make demo`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAMINA="$ROOT/.venv/bin/lamina"
if [[ ! -x "$LAMINA" ]]; then
    echo "demo: $LAMINA not found; run 'make demo' (it installs .venv first)" >&2
    exit 1
fi

# Work on copies, so the repository stays clean (.lamina/state/ caches go into the copies).
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lamina-demo.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -R "$ROOT/samples/." "$WORK/"
find "$WORK" \( -name .lamina -o -name __pycache__ -o -name .pytest_cache \) -prune -exec rm -rf {} +

if [[ -t 1 ]]; then BOLD=$'\033[1m' DIM=$'\033[2m' RESET=$'\033[0m'; else BOLD="" DIM="" RESET=""; fi

step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"; }
note() { printf '%s%s%s\n' "$DIM" "$*" "$RESET"; }
# Show the command, then run it. The logs (START/END/REPORT and the function's own lines) go to
# stderr and the result JSON to stdout, as `lamina invoke` writes them.
lamina() {
    printf '%s$ lamina %s%s\n' "$DIM" "$*" "$RESET"
    "$LAMINA" "$@"
}
# A command that is meant to fail: show its exit code instead of stopping the demo.
expect_exit() {
    local want="$1"
    shift
    local got=0
    lamina "$@" || got=$?
    if [[ "$got" != "$want" ]]; then
        echo "demo: expected exit code $want, got $got" >&2
        exit 1
    fi
    note "(exit code $got, as expected)"
}

step "The functions of samples/http-api (read from its template.yaml)"
cd "$WORK/http-api"
lamina functions

step "http-api: an HTTP API (payload 2.0) handler, invoked with each of its sample events"
for event in list-items get-item create-item get-item-missing create-item-bad-json create-item-invalid delete-items unknown-route; do
    echo
    lamina invoke ItemsFunction --event "$event"
done

step "http-api: env var overrides (SAM's --env-vars format) turn on DEBUG logging"
printf '{"ItemsFunction": {"LOG_LEVEL": "DEBUG"}}\n' > "$WORK/env.json"
lamina invoke ItemsFunction --event get-item --env-vars "$WORK/env.json"

step "http-api: the same event under AWS's own runtime client, awslambdaric"
lamina invoke ItemsFunction --event get-item --runtime-client awslambdaric

step "sqs-batch: partial batch failures (ReportBatchItemFailures)"
cd "$WORK/sqs-batch"
lamina invoke OrdersWorkerFunction --event single-order
echo
lamina invoke OrdersWorkerFunction --event mixed-batch
note "Only the four bad messages are reported; SQS would delete the other two."

step "warm-cache: module globals and a temp-dir cache"
cd "$WORK/warm-cache"
lamina invoke RatesFunction --event convert
note "Each 'lamina invoke' is a new process, so every CLI invoke is a cold start in a fresh"
note "environment with its own temp dir (TMPDIR), removed when it ends. Warm reuse (invocations"
note "2, 3, ... with cacheHit true) happens inside one long-lived Lamina process, whose runtime"
note "pool keeps the environment between invokes."

step "warm-cache: a function error (an unhandled exception) gives Lambda's error JSON and exit code 1"
expect_exit 1 invoke RatesFunction --event convert-unknown-currency

step "with-deps: src/requirements.txt is installed once into .lamina/state/cache (humanize)"
cd "$WORK/with-deps"
note "First invoke: pip installs humanize into the project's cache, then the handler runs."
lamina invoke UploadNotifierFunction --event report-uploaded
echo
ls -1 .lamina/state/cache
echo
note "Second invoke: the cache is reused."
lamina invoke UploadNotifierFunction --event video-uploaded

step "Generate a sample event: an SQS message"
lamina events generate sqs --set body=hello

step "A mistake gets one line and exit code 2"
expect_exit 2 invoke NoSuchFunction

PY="$ROOT/.venv/bin/python"
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Wait until URL answers (any HTTP status) while process PID lives.
wait_for() {
    "$PY" - "$1" "$2" <<'WAIT'
import os, sys, time, urllib.error, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120  # the first start may install a function's requirements
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(url, timeout=2)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        os.kill(pid, 0)  # still running?
        time.sleep(0.1)
sys.exit(f"demo: nothing answered at {url}")
WAIT
}

step "lamina api: the HTTP API's routes on a local URL, like sam local start-api (no Docker)"
API_PORT="$(free_port)"
printf '%s$ lamina api --port %s &   (in samples/http-api)%s\n' "$DIM" "$API_PORT" "$RESET"
(cd "$WORK/http-api" && exec "$LAMINA" api --port "$API_PORT") > "$WORK/api.log" 2>&1 &
API_PID=$!
trap 'kill "$API_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_for "http://127.0.0.1:$API_PORT/items" "$API_PID"
for path in /items/2 /items/404; do
    printf '%s$ curl http://127.0.0.1:%s%s%s\n' "$DIM" "$API_PORT" "$path" "$RESET"
    "$PY" - "http://127.0.0.1:$API_PORT$path" <<'GET'
import sys, urllib.error, urllib.request
try:
    answer = urllib.request.urlopen(sys.argv[1], timeout=30)
except urllib.error.HTTPError as error:
    answer = error
print(answer.status, answer.read().decode())
GET
done
kill "$API_PID"
wait "$API_PID" 2>/dev/null || true
note "lamina api's banner and request lines:"
cat "$WORK/api.log"

step "lamina serve: the Lambda API locally, with the samples deployed (--deploy-samples)"
PORT="$(free_port)"
ENDPOINT="http://127.0.0.1:$PORT"
printf '%s$ lamina serve --deploy-samples --port %s &%s\n' "$DIM" "$PORT" "$RESET"
"$LAMINA" serve --deploy-samples --port "$PORT" --data-dir "$WORK/emulator" > "$WORK/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill "$SERVE_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
wait_for "$ENDPOINT/2016-08-19/account-settings" "$SERVE_PID"
cat "$WORK/serve.log"  # the banner, with what --deploy-samples deployed
# The AWS CLI reaches it like AWS (dummy credentials: the emulator accepts any).
AWS="$ROOT/.venv/bin/aws"
[[ -x "$AWS" ]] || AWS="$(command -v aws || true)"
if [[ -n "$AWS" ]]; then
    printf '%s$ aws lambda invoke --endpoint-url %s --function-name items-api --payload fileb://http-api/events/get-item.json out.json%s\n' "$DIM" "$ENDPOINT" "$RESET"
    AWS_ACCESS_KEY_ID=lamina AWS_SECRET_ACCESS_KEY=lamina AWS_DEFAULT_REGION=us-east-1 \
        "$AWS" lambda invoke --endpoint-url "$ENDPOINT" --function-name items-api \
        --payload "fileb://$WORK/http-api/events/get-item.json" "$WORK/out.json"
    cat "$WORK/out.json"
    echo
fi
lamina invoke UploadNotifierFunction --endpoint-url "$ENDPOINT" --event "$WORK/with-deps/events/report-uploaded.json"
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
note "The emulator logged one line per invocation:"
grep -E '^[0-9:]{8} invoke ' "$WORK/serve.log" || true

step "Done"
note "Samples ran from a copy in $WORK (removed now). Next: 'make test'."
