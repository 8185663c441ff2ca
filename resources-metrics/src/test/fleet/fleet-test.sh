#!/usr/bin/env bash
# The fleet test, real parts only: three launchers (java -jar launcher/target/launcher.jar
# --metrics), each with the itests' provider and consumer bundles and the demo bundle (a pool in
# use) in its load/ folder and a task running, and a real Prometheus (Debian's) on 127.0.0.1
# scraping the three with the passwords they printed. Through Prometheus' HTTP API: a pool metric
# and a RunState metric have one series from each launcher; a task cancelled on one launcher
# shows up as cancelled within two scrape intervals (by Prometheus' own sample timestamps), and
# its running series goes stale.
#
# Needs a build first (mvn -B verify). Loopback only; bounded in time; everything it started is
# stopped at the end, however it ends. Writes resources-metrics/target/fleet-junit.xml, and, with
# FLEET_SCREENSHOT=path, a screenshot of Prometheus' graph page in headless Chromium.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../../.." && pwd)
work=$root/resources-metrics/target/fleet-test
junit=$root/resources-metrics/target/fleet-junit.xml
jar=$root/launcher/target/launcher.jar
interval=2 # seconds between two scrapes of each launcher
started=$(date +%s)
log() { printf '[fleet-test %3ds] %s\n' $(( $(date +%s) - started )) "$*"; }

bundles=()
for pattern in "itest/provider/target/itest-provider-*.jar" "itest/consumer/target/itest-consumer-*.jar" \
        "itest/web/target/itest-web-*.jar"; do
    # shellcheck disable=SC2206
    found=($root/$pattern)
    f=${found[0]}
    [[ $f == *-tests.jar || $f == *-sources.jar ]] && f=${found[1]:-}
    if [[ -z $f || ! -f $f ]]; then
        echo "fleet-test: no $pattern: build first (mvn -B verify)" >&2
        exit 2
    fi
    bundles+=("$f")
done
[[ -f $jar ]] || { echo "fleet-test: no $jar: build first (mvn -B verify)" >&2; exit 2; }

# Debian's Prometheus, without its recommended node exporter (another service). Installing starts
# nothing where services do not run (containers); where the Debian service runs, it is stopped and
# disabled: this test runs a Prometheus of its own, on a free port of 127.0.0.1.
if ! command -v prometheus > /dev/null; then
    log "installing Debian's prometheus"
    (apt-get install -y -qq --no-install-recommends prometheus || (apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus)) > /dev/null
fi
if command -v systemctl > /dev/null && systemctl is-active --quiet prometheus 2> /dev/null; then
    log "stopping and disabling Debian's prometheus service"
    systemctl stop prometheus
    systemctl disable --quiet prometheus
fi

rm -rf "$work"
mkdir -p "$work"

# ------------------------------------------------------------------------------- results

cases=()
passed=0
failures=0
record() { # name [failure message]
    local name=$1 message=${2:-}
    if [[ -z $message ]]; then
        log "ok: $name"
        passed=$(( passed + 1 ))
        cases+=("<testcase classname=\"fleet\" name=\"$(xml "$name")\"/>")
    else
        log "FAILED: $name: $message"
        failures=$(( failures + 1 ))
        cases+=("<testcase classname=\"fleet\" name=\"$(xml "$name")\"><failure message=\"$(xml "$message")\"/></testcase>")
    fi
}
xml() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' <<< "$1"; }
write_junit() {
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n'
        printf '<testsuite name="fleet" tests="%d" failures="%d">\n' $(( passed + failures )) "$failures"
        printf '  %s\n' "${cases[@]}"
        printf '</testsuite>\n'
    } > "$junit"
}

# ---------------------------------------------------------------------------- start, stop

pids=()
prometheus_pid=
stop_all() {
    local status=$?
    [[ -n $prometheus_pid ]] && kill "$prometheus_pid" 2> /dev/null
    for i in 1 2 3; do
        eval "exec ${i}0>&-" 2> /dev/null || true # end of input: the launcher exits
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.5
        done
        kill "$pid" 2> /dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2> /dev/null || true
    done
    [[ -n ${cases[*]:-} ]] && write_junit
    if (( status != 0 )); then
        for i in 1 2 3; do
            [[ -f $work/n$i/out ]] && { log "launcher n$i printed:"; tail -n 20 "$work/n$i/out"; }
        done
        [[ -f $work/prometheus.log ]] && { log "Prometheus logged:"; tail -n 20 "$work/prometheus.log"; }
    fi
    log "done in $(( $(date +%s) - started )) s"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls a command once every 0.2 s until it succeeds or the seconds run out.
await() { # seconds command...
    local seconds=$1
    shift
    local deadline=$(( $(date +%s) + seconds ))
    until "$@"; do
        (( $(date +%s) < deadline )) || return 1
        sleep 0.2
    done
}

log "three launchers with --metrics, the provider, consumer and demo bundles in load/"
for i in 1 2 3; do
    mkdir -p "$work/n$i/load"
    cp "${bundles[@]}" "$work/n$i/load/"
    mkfifo "$work/n$i/in"
    (cd "$work/n$i" && exec java -Dcs.resources.itest.web.demo=true -jar "$jar" --metrics < in > out 2>&1) &
    pids+=($!)
    eval "exec ${i}0>\"$work/n$i/in\"" # held open: the launcher reads commands until it is closed
done
send() { # instance command
    eval "printf '%s\n' \"\$2\" >&${1}0"
}
url=() password=()
for i in 1 2 3; do
    printed() { grep -q '^  user admin, password .* (made for this run, printed only here)$' "$work/n$1/out"; }
    if ! await 90 printed "$i"; then
        record "launcher n$i prints where /metrics is" "nothing within 90 s"
        exit 1
    fi
    url[$i]=$(sed -n 's/^Metrics: \(http:\/\/127\.0\.0\.1:[0-9]*\/metrics\)$/\1/p' "$work/n$i/out")
    password[$i]=$(sed -n 's/^  user admin, password \([A-Za-z0-9_-]*\) (made for this run.*/\1/p' "$work/n$i/out")
    [[ -n ${url[$i]} && -n ${password[$i]} ]] || { record "launcher n$i prints its URL and password" "$(cat "$work/n$i/out")"; exit 1; }
    send "$i" 'resources:run fleet-task { sleep 600000 }'
done
log "/metrics: ${url[*]}"
record "three launchers serve /metrics on 127.0.0.1"

# ------------------------------------------------------------------------------ Prometheus

prom_port=$(free_port)
prom=http://127.0.0.1:$prom_port
{
    printf 'global:\n  scrape_interval: %ss\n  scrape_timeout: %ss\n' "$interval" "$interval"
    printf 'scrape_configs:\n'
    for i in 1 2 3; do
        printf '  - job_name: launcher-%s\n' "$i"
        printf '    basic_auth:\n      username: admin\n      password: %s\n' "${password[$i]}"
        printf '    static_configs:\n      - targets: ["%s"]\n        labels:\n          container: n%s\n' \
            "$(sed 's|^http://||; s|/metrics$||' <<< "${url[$i]}")" "$i"
    done
} > "$work/prometheus.yml"
chmod 600 "$work/prometheus.yml" # it holds the passwords
log "Prometheus on $prom, scraping every ${interval}s"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$work/prometheus.log" 2>&1 &
prometheus_pid=$!
pids+=("$prometheus_pid")
ready() { curl -sf "$prom/-/ready" > /dev/null; }
await 60 ready || { record "Prometheus starts" "not ready within 60 s"; exit 1; }

# Prometheus' query API: prints "container value timestamp" per series of an instant query.
query() {
    curl -sf --get --data-urlencode "query=$1" "$prom/api/v1/query" | python3 -c '
import json, sys
answer = json.load(sys.stdin)
for r in answer["data"]["result"]:
    print(r["metric"].get("container", "?"), r["value"][1], r["value"][0])'
}
containers() { # query: the containers with a series, sorted, one line
    query "$1" | awk '{ print $1 }' | sort | tr '\n' ' '
}
all_three() { [[ $(containers "$1") == "n1 n2 n3 " ]]; }

for q in 'up{job=~"launcher-.*"} == 1' \
        'cs_resources_pool_idle{name="demo-buffers"} + cs_resources_pool_in_use{name="demo-buffers"} > 0' \
        'cs_resources_runstates_live{name="fleet-task",state="running"} == 1' \
        'cs_resources_multiopen_opens{name="cs.resources.itest.provider.SharedResource"} > 0'; do
    if await 60 all_three "$q"; then
        record "one series from each launcher: $q"
    else
        record "one series from each launcher: $q" "got: $(query "$q" | tr '\n' ';')"
    fi
done

# ------------------------------------------------------------------------------ a cancel

log "cancel fleet-task on n2"
send 2 'resources:cancel fleet-task'
confirmed() { grep -Eq '^cancelled [0-9]+ fleet-task \((STOPPING|CANCELLED)\)$' "$work/n2/out"; }
await 30 confirmed || { record "n2 cancels fleet-task" "$(tail -n 5 "$work/n2/out")"; exit 1; }
cancelled_at=$(date +%s.%N)
ended='cs_resources_runstates_ended_total{name="fleet-task",outcome="cancelled"} == 1'
shows() { [[ $(containers "$ended") == "n2 " ]]; }
if await 30 shows; then
    # When Prometheus first had it: the earliest sample of 1 in its own series, by its timestamp.
    first=$(curl -sf --get --data-urlencode "query=cs_resources_runstates_ended_total{name=\"fleet-task\",outcome=\"cancelled\",container=\"n2\"}[1m]" \
        "$prom/api/v1/query" | python3 -c '
import json, sys
values = json.load(sys.stdin)["data"]["result"][0]["values"]
print(min(float(t) for t, v in values if float(v) >= 1))')
    lag=$(python3 -c "print(round($first - $cancelled_at, 2))")
    if python3 -c "import sys; sys.exit(0 if $first - $cancelled_at <= 2 * $interval else 1)"; then
        log "first sample of the cancel: ${lag}s after n2 confirmed it"
        record "the cancel shows in Prometheus within two scrape intervals"
    else
        record "the cancel shows in Prometheus within two scrape intervals" "${lag}s after n2 confirmed it"
    fi
else
    record "the cancel shows in Prometheus" "got: $(query "$ended" | tr '\n' ';')"
fi
others() { [[ $(containers 'cs_resources_runstates_live{name="fleet-task",state="running"}') == "n1 n3 " ]]; }
if await 30 others; then
    record "fleet-task runs on n1 and n3 only"
else
    record "fleet-task runs on n1 and n3 only" "got: $(containers 'cs_resources_runstates_live{name="fleet-task",state="running"}')"
fi
sum=$(query 'sum(cs_resources_runstates_ended_total{name="fleet-task",outcome="cancelled"})' | awk '{ print $2 }')
[[ $sum == 1 ]] && record "one cancellation in the fleet" || record "one cancellation in the fleet" "sum is $sum"
# An outcome that never happened has no series: n1 and n3 have none for fleet-task.
got=$(containers 'cs_resources_runstates_ended_total{name="fleet-task"}')
[[ $got == "n2 " ]] && record "ended series for fleet-task on n2 only (none for outcomes that never happened)" \
    || record "ended series for fleet-task on n2 only (none for outcomes that never happened)" "got: $got"
# The README's "what was cancelled in the last hour" sees this first cancel (a series that starts at 1).
x='cs_resources_runstates_ended_total{name="fleet-task",outcome="cancelled"}'
got=$(query "$x - ($x offset 1h or $x * 0)" | awk '{ print $1, $2 }' | tr '\n' ';')
[[ $got == "n2 1;" ]] && record "the README's last-hour query counts the first cancel" \
    || record "the README's last-hour query counts the first cancel" "got: $got"

if [[ -n ${FLEET_SCREENSHOT:-} ]] && command -v chromium > /dev/null; then
    page="$prom/graph?g0.expr=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("sum by (container) (cs_resources_runstates_live{state=\"running\"})"))')&g0.tab=0&g0.range_input=2m"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1040 --virtual-time-budget=8000 \
        --screenshot="$FLEET_SCREENSHOT" "$page" > /dev/null 2>&1 || true
    [[ -f $FLEET_SCREENSHOT ]] && log "screenshot: $FLEET_SCREENSHOT"
fi

echo "fleet-test: $passed passed, $failures failed"
(( failures == 0 ))
