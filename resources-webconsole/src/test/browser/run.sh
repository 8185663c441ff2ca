#!/usr/bin/env bash
# The browser test against a Felix started for it: itest/web/target/demo.jar (built by
# mvn -B verify), on a free loopback port, with a password made here. The demo's tasks are the
# ones the test looks for. Writes resources-webconsole/target/browser-junit.xml and
# resources-webconsole/target/webconsole.png; the framework is stopped however the test ends.
#
# Against another console (the launcher with --web): set BASE_URL, CONSOLE_USER,
# CONSOLE_PASSWORD, TASK_NAME and HOSTILE_NAME and run `npm test` in this folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
module=$root/resources-webconsole
jar=$root/itest/web/target/demo.jar
if [[ ! -f $jar ]]; then
    echo "browser-test: $jar is missing: build first (mvn -B verify)" >&2
    exit 2
fi
command -v "${CHROMIUM:-/usr/bin/chromium}" > /dev/null || { echo "browser-test: no chromium (apt-get install -y chromium)" >&2; exit 2; }
[[ -d $here/node_modules/playwright-core ]] || (cd "$here" && npm ci --no-audit --no-fund)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
work=$module/target/browser-test
rm -rf "$work"
mkdir -p "$work"
java -Dorg.osgi.service.http.port="$port" -Dfelix.webconsole.password="$password" \
    -Dorg.osgi.framework.storage="$work/felix-cache" -jar "$jar" > "$work/felix.out" 2>&1 &
felix=$!
stop() {
    kill "$felix" 2> /dev/null || true
    wait "$felix" 2> /dev/null || true
}
trap stop EXIT

base=http://127.0.0.1:$port/system/console
for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$password" "$base/resources" || true)
    [[ $code == 200 ]] && break
    kill -0 "$felix" 2> /dev/null || { echo "browser-test: the demo framework exited"; cat "$work/felix.out"; exit 1; }
    sleep 0.5
done
[[ $code == 200 ]] || { echo "browser-test: the page did not answer at $base/resources ($code)"; tail -40 "$work/felix.out"; exit 1; }

cd "$here"
BASE_URL=$base CONSOLE_USER=admin CONSOLE_PASSWORD=$password SCREENSHOT=$module/target/webconsole.png npm test
