#!/usr/bin/env bash
# The browser test against the launcher with --web, as an operator starts it (after mvn -B verify):
#   java -jar launcher/target/launcher.jar --web
# with its commands piped in: two resources:run tasks, one named as markup. The itests' provider
# and consumer bundles (a MultiOpen held by another bundle) and the demo bundle (a pool in use, for
# the chart) are dropped into its load/ folder. The URL, user and password are read from what the
# launcher prints. Writes resources-webconsole/target/browser-junit.xml and
# resources-webconsole/target/webconsole.png; the launcher is stopped however the test ends (its
# input is closed: it exits as at the end of any piped session).
#
# Against another console: set BASE_URL, CONSOLE_USER, CONSOLE_PASSWORD, TASK_NAME, HOSTILE_NAME,
# BATCH_NAME and CONSUMER_BUNDLE (see resources-page.test.js) and run `npm test` in this folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
module=$root/resources-webconsole
jar=$root/launcher/target/launcher.jar
bundles=()
for b in "$root"/itest/provider/target/itest-provider-*.jar "$root"/itest/consumer/target/itest-consumer-*.jar \
    "$root"/itest/web/target/itest-web-*.jar; do
    case $b in *-tests.jar | *-sources.jar | *-javadoc.jar) continue ;; esac
    [[ -f $b ]] && bundles+=("$b")
done
if [[ ! -f $jar || ${#bundles[@]} -ne 3 ]]; then
    echo "browser-test: $jar or the itest bundles are missing: build first (mvn -B verify)" >&2
    exit 2
fi
command -v "${CHROMIUM:-/usr/bin/chromium}" > /dev/null || { echo "browser-test: no chromium (apt-get install -y chromium)" >&2; exit 2; }
[[ -d $here/node_modules/playwright-core ]] || (cd "$here" && npm ci --no-audit --no-fund)

task='demo-ticker'
hostile='<script>alert("cs")</script> ${appRoot} & <b>bold</b>'
work=$module/target/browser-test
rm -rf "$work"
mkdir -p -m 755 "$work/load"  # the launcher refuses a folder others can write
cp "${bundles[@]}" "$work/load/"
# Samples every second, a chart of the last minute: the screenshot shows a chart with a history.
printf 'sampleSeconds=1\nhistoryMinutes=1\n' > "$work/load/cs.resources.webconsole.cfg"
# Five tasks run for good below (the demo bundle's, two repeating ones, demo-batch, stuck-parent):
# the task service's default of 4 threads would keep stuck-parent waiting until demo-batch ends
# (its test then timed out waiting for the stuck child, which had not been made yet).
printf 'threads=8\n' > "$work/load/cs.resources.tasks.cfg"
mkfifo "$work/console"
(cd "$work" && exec java -Dcs.resources.itest.web.demo=true -jar "$jar" --web < console > launcher.out 2>&1) &
launcher=$!
exec 3> "$work/console"
stop() {
    exec 3>&- # end of input: the launcher stops the framework and exits
    for _ in $(seq 1 60); do
        kill -0 "$launcher" 2> /dev/null || break
        sleep 0.5
    done
    kill "$launcher" 2> /dev/null || true
    wait "$launcher" 2> /dev/null || true
}
trap stop EXIT
# Gogo's single quotes take the name as it is: no $ expansion. The consumer bundle (driven through
# its Function service) holds the provider's MultiOpen from three threads: its opens per bundle.
# demo-batch reports progress and has a child (the tree, the progress bar, pause and resume).
# stuck-parent starts a child it never stops: the issue's stuck child, once its parent is cancelled.
printf '%s\n' "resources:run -e 1s $task { }" "resources:run -e 1s '$hostile' { }" \
    'resources:run demo-batch { $1 setTotal 60 ; $1 setMessage "copying files" ; part = $1 child demo-batch-part ; $part start ; while { not { $1 isCancelled } } { sleep 1 ; $1 advance 1 } ; $part stop }' \
    'resources:run stuck-parent { c = $1 child stuck-child ; $c start ; sleep 3600 }' \
    'refs = $.context getServiceReferences java.util.function.Function "(cs.resources.itest=consumer)"' \
    'each $refs { consumer = $.context getService $it }' \
    '$consumer apply "hold 3"' >&3

url=
for _ in $(seq 1 120); do
    url=$(sed -n 's/^Web Console: \(http[^ ]*\)$/\1/p' "$work/launcher.out")
    [[ -n $url ]] && break
    kill -0 "$launcher" 2> /dev/null || { echo "browser-test: the launcher exited"; cat "$work/launcher.out"; exit 1; }
    sleep 0.5
done
[[ -n $url ]] || { echo "browser-test: the launcher printed no URL"; tail -40 "$work/launcher.out"; exit 1; }
user=$(sed -n 's/^  user \([^,]*\), password \([^ ]*\) .*/\1/p' "$work/launcher.out")
password=$(sed -n 's/^  user \([^,]*\), password \([^ ]*\) .*/\2/p' "$work/launcher.out")
base=${url%/resources}
code=
for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$user:$password" "$base/resources" || true)
    [[ $code == 200 ]] && break
    sleep 0.5
done
[[ $code == 200 ]] || { echo "browser-test: the page did not answer at $base/resources ($code)"; tail -40 "$work/launcher.out"; exit 1; }

cd "$here"
BASE_URL=$base CONSOLE_USER=$user CONSOLE_PASSWORD=$password TASK_NAME=$task HOSTILE_NAME=$hostile BATCH_NAME=demo-batch \
    SCREENSHOT=$module/target/webconsole.png npm test
