#!/usr/bin/env bash
# The Karaf test: feature cs-resources in a real Apache Karaf, driven through bin/client.
#
# Needs a build first (mvn -B verify): it takes the freshly built artifacts from this checkout's
# target/ folders (the KAR among them) and the Karaf distribution from the local Maven repository
# (the karaf module's verify goal fetched it). It unpacks Karaf under karaf/target/karaf-test/,
# listening on loopback only, on free ports, and with no Maven repository reachable; installs
# the KAR with kar:install, which installs feature cs-resources; then, as an
# admin and as a viewer: resources:runstates, resources:run, resources:pause and resume,
# resources:cancel, scr:list, the command ACL, the JMX MBeans over the RMI connector, and feature
# cs-resources-webconsole's page over HTTP (the admin pauses and cancels, the viewer sees no button
# and is refused; the install logs no error), cs-resources-metrics' /metrics, and
# cs-resources-jolokia (a viewer reads through Jolokia and is refused cancel, pause and a write
# by Karaf's JMX ACL; an admin cancels). Karaf is stopped whatever happens.
#
# Exit status 0 when every check passed. KARAF_TEST_KEEP=1 leaves Karaf running for a look
# around (stop it with karaf/target/karaf-test/apache-karaf-*/bin/stop).
set -euo pipefail

module=$(cd "$(dirname "$0")/../.." && pwd)
root=$(dirname "$module")
props=$module/target/karaf-test.properties
if [[ ! -f $props ]]; then
    echo "karaf-test: $props is missing: build first (mvn -B verify)" >&2
    exit 2
fi
prop() { sed -n "s/^$1=//p" "$props"; }
version=$(prop project.version)
karaf_version=$(prop karaf.version)
m2=$(prop maven.repo.local)

work=$module/target/karaf-test
home=$work/apache-karaf-$karaf_version
started=$(date +%s)
log() { printf '[karaf-test %3ds] %s\n' $(( $(date +%s) - started )) "$*"; }

# Karaf 4.4 runs on Java 11 to 21; take the java on the PATH, or JAVA_HOME's.
if [[ -z ${JAVA_HOME:-} ]]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
fi
export JAVA_HOME
java_major=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if (( java_major < 11 || java_major > 21 )); then
    echo "karaf-test: Karaf $karaf_version needs Java 11 to 21; $JAVA_HOME is Java $java_major" >&2
    exit 2
fi

# ------------------------------------------------------------------------------------ stage

if [[ -x $home/bin/status ]] && "$home/bin/status" > /dev/null 2>&1; then
    log "stopping the Karaf a previous run left running"
    "$home/bin/stop" > /dev/null 2>&1 || true
    sleep 3
fi
rm -rf "$work"
mkdir -p "$work"

# The artifacts under test, from this checkout's target/ folders: the KAR (the features repository
# with every bundle its features install, Karaf's scr, http and webconsole features' included) and
# the itests' provider bundle (a DS component that opens itself: a MultiOpen to list).
kar=$module/target/cs-resources-$version.kar
provider=$root/itest/provider/target/itest-provider-$version.jar
for f in "$kar" "$provider"; do
    if [[ ! -f $f ]]; then
        echo "karaf-test: $f is missing: build first (mvn -B verify)" >&2
        exit 2
    fi
done

dist=$m2/org/apache/karaf/apache-karaf/$karaf_version/apache-karaf-$karaf_version.zip
if [[ ! -f $dist ]]; then
    echo "karaf-test: $dist is missing: the karaf module's verify goal fetches it (mvn -B verify)" >&2
    exit 2
fi
python3 - "$dist" "$work" <<'PY'
import os, sys, zipfile
# Unzips keeping the file modes (bin/karaf and friends are executable).
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
PY

# ------------------------------------------------------------------------------- configure

read -r ssh_port rmi_registry_port rmi_server_port http_port metrics_port < <(python3 - <<'PY'
import socket
socks = []
for _ in range(5):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(*(s.getsockname()[1] for s in socks))
PY
)
etc=$home/etc
set_cfg() { # file key value: replaces the key's line, or appends it
    local file=$1 key=$2 value=$3
    if grep -q "^$key *=" "$file"; then
        sed -i "s|^$key *=.*|$key = $value|" "$file"
    else
        printf '%s = %s\n' "$key" "$value" >> "$file"
    fi
}
set_cfg "$etc/org.apache.karaf.shell.cfg" sshHost 127.0.0.1
set_cfg "$etc/org.apache.karaf.shell.cfg" sshPort "$ssh_port"
set_cfg "$etc/org.apache.karaf.management.cfg" rmiRegistryHost 127.0.0.1
set_cfg "$etc/org.apache.karaf.management.cfg" rmiRegistryPort "$rmi_registry_port"
set_cfg "$etc/org.apache.karaf.management.cfg" rmiServerHost 127.0.0.1
set_cfg "$etc/org.apache.karaf.management.cfg" rmiServerPort "$rmi_server_port"
# The HTTP service of the webconsole part (Pax Web), on loopback. Karaf's web console admits one
# role; viewer lets both users in, and the Resources page tells them apart.
set_cfg "$etc/org.ops4j.pax.web.cfg" org.osgi.service.http.port "$http_port"
set_cfg "$etc/org.ops4j.pax.web.cfg" org.ops4j.pax.web.listening.addresses 127.0.0.1
printf 'realm = karaf\nrole = viewer\n' > "$etc/org.apache.karaf.webconsole.cfg"
# No Maven repository at all: no remote one, an empty local one, offline. Only Karaf's own
# system/ folder and what kar:install unpacks into data/kar/ (both in Karaf's defaults) remain.
mkdir -p "$work/no-repository"
printf '<settings/>\n' > "$work/no-settings.xml"
python3 - "$etc/org.ops4j.pax.url.mvn.cfg" "$work/no-repository" "$work/no-settings.xml" <<'PY'
import re, sys
path, empty, settings = sys.argv[1:]
text = open(path).read()
def replace(key, value):
    global text
    text = re.sub(r"^%s\s*=.*?(?=\n\S|\n\n|\Z)" % re.escape(key), key + "=" + value, text, flags=re.S | re.M)
replace("org.ops4j.pax.url.mvn.repositories", "")
text += "\norg.ops4j.pax.url.mvn.localRepository=%s\norg.ops4j.pax.url.mvn.settings=%s\norg.ops4j.pax.url.mvn.offline=true\n" % (empty, settings)
open(path, "w").write(text)
PY
# Feature cs-resources-metrics: micrometer-core imports com.sun.management, and /metrics alone is
# served by the JDK's HTTP server (com.sun.net.httpserver); Karaf's framework exports neither
# unless told (as the README says). Its /metrics on loopback, behind a password of this run's.
sed -i 's|^org.osgi.framework.system.packages.extra = \\$|&\n    com.sun.management, \\\n    com.sun.net.httpserver, \\|' "$etc/config.properties"
metrics_password=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
printf 'host = 127.0.0.1\nport = %s\nuser = metrics\npassword = %s\n' "$metrics_port" "$metrics_password" > "$etc/cs.resources.metrics.cfg"

# An admin (Karaf's admin group: admin, manager, viewer, ssh) and a viewer.
cat >> "$etc/users.properties" <<'EOF'
karaf = karaf,_g_:admingroup
_g_\:admingroup = group,admin,manager,viewer,systembundles,ssh
viewer = viewer,_g_:viewergroup
_g_\:viewergroup = group,viewer,ssh
EOF

# ----------------------------------------------------------------------------- start, stop

karaf_pid=
stop_karaf() {
    local status=$?
    if [[ -n $karaf_pid ]] && kill -0 "$karaf_pid" 2>/dev/null; then
        if [[ ${KARAF_TEST_KEEP:-} == 1 ]]; then
            log "left running (pid $karaf_pid): $home/bin/stop ends it"
            return
        fi
        log "stopping Karaf"
        "$home/bin/stop" > /dev/null 2>&1 || true
        for _ in $(seq 1 30); do
            kill -0 "$karaf_pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$karaf_pid" 2>/dev/null; then
            log "Karaf did not stop in 30 s: killing its process group $karaf_pid"
            kill -KILL -- "-$karaf_pid" 2>/dev/null || true
        fi
        wait "$karaf_pid" 2>/dev/null || true
    fi
    if (( status != 0 )); then
        log "the end of Karaf's log:"
        tail -n 40 "$home/data/log/karaf.log" 2>/dev/null || true
    fi
    log "done in $(( $(date +%s) - started )) s"
}
trap stop_karaf EXIT
trap 'exit 130' INT TERM

log "Karaf $karaf_version, cs.resources $version, Java $java_major; ssh 127.0.0.1:$ssh_port, JMX RMI 127.0.0.1:$rmi_registry_port/$rmi_server_port"
# In a process group of its own, so that nothing of it can outlive the test.
JAVA_MAX_MEM=512M JAVA_MIN_MEM=128M setsid "$home/bin/karaf" server > "$work/karaf.out" 2>&1 &
karaf_pid=$!

# Runs commands through bin/client as a user; prints what they print (stdout and stderr).
karaf() { # user commands...
    local user=$1
    shift
    printf '%s\n' "$@" | timeout 60 "$home/bin/client" -h 127.0.0.1 -a "$ssh_port" -u "$user" -p "$user" -b 2>&1 \
        | sed -e 's/\x1b\[[0-9;]*m//g' || true
}

jmx_url=service:jmx:rmi://127.0.0.1:$rmi_server_port/jndi/rmi://127.0.0.1:$rmi_registry_port/karaf-root
# The JMX client, compiled once (the source launcher would compile it on every call).
mkdir -p "$work/probe"
"$JAVA_HOME/bin/javac" -d "$work/probe" "$module/src/test/JmxProbe.java"
jmx() { # user actions...
    local user=$1
    shift
    timeout 60 "$JAVA_HOME/bin/java" -cp "$work/probe" JmxProbe "$jmx_url" "$user" "$user" "$@" 2>&1 || true
}

passed=0
failures=0
# Shows what was run and what it printed, then keeps the output in $out.
show() { # who what output
    printf '  %s> %s\n' "$1" "$2"
    [[ -n $3 ]] && printf '%s\n' "$3" | sed 's/^/      /'
    out=$3
}
as() { # user commands...: runs them in one client session
    local user=$1
    shift
    local commands
    commands=$(printf '%s; ' "$@")
    show "$user" "${commands%; }" "$(karaf "$user" "$@")"
}
ok() { log "ok: $1"; passed=$(( passed + 1 )); }
failed() { log "FAILED: $1"; failures=$(( failures + 1 )); }
expect() { # description extended-regex: $out must match
    if grep -Eq -- "$2" <<< "$out"; then
        ok "$1"
    else
        failed "$1 (expected /$2/)"
    fi
}
reject() { # description extended-regex: $out must not match
    if grep -Eq -- "$2" <<< "$out"; then
        failed "$1 (unexpected /$2/)"
    else
        ok "$1"
    fi
}
# Polls a check (a command) once a second until it succeeds or the seconds run out.
await() { # seconds description command...
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq 1 "$seconds"); do
        if "$@"; then
            return 0
        fi
        kill -0 "$karaf_pid" 2> /dev/null || { log "Karaf exited"; cat "$work/karaf.out"; exit 1; }
        sleep 1
    done
    failed "$what, after $seconds s"
    exit 1
}

# ----------------------------------------------------------------------------------- boot

booted() { karaf karaf 'feature:list -i' | grep -q '^kar .*Started'; } # the last boot feature
await 90 "Karaf booted" booted
log "Karaf is up"

# -------------------------------------------------------------------------------- install

log "kar:install $kar (no Maven repository reachable)"
as karaf "kar:install file:$kar" 'kar:list' 'feature:list -i | grep cs-resources'
expect "the KAR is installed" "^cs-resources-$version"
expect "feature cs-resources is started (installed by the KAR)" '^cs-resources +\| [^|]+\| x +\| Started'
# The bundles Karaf installed are byte for byte the ones this checkout built.
for a in resources-api resources-impl resources-shell; do
    built=$(sha256sum < "$root/$a/target/$a-$version.jar")
    out=$(for j in "$home"/data/cache/bundle*/version*/bundle.jar; do sha256sum < "$j"; done)
    expect "Karaf installed this checkout's $a" "^${built%% *}"
done
# scr:list returns its table (DTOs): batch mode prints only what commands print, so format it.
as karaf 'format (scr:list)'
for c in impl.Registry impl.RuntimeService impl.TaskServiceComponent impl.jmx.JmxComponent shell.ResourcesCommands; do
    component=$out
    out=$(grep -A1 "^cs\.resources\.$c in bundle " <<< "$component" || true)
    expect "component cs.resources.$c is active" 'State:ACTIVE'
    out=$component
done

# A shared MultiOpen component: the provider registers it under cs.resources.osgi.Shared, with
# cs.resources.shared.as naming what its consumers bind to; the runtime publishes the views. No
# hooks: service:list shows what the framework registered, the same as every bundle sees.
as karaf "bundle:install -s file:$provider" 'resources:opens'
expect "opens lists the provider's MultiOpen component" 'cs\.resources\.itest\.provider\.SharedResource +cs\.resources\.itest\.provider +1 +OPEN +- *$'
as karaf 'service:list cs.resources.MultiOpen'
expect "consumers find the views" 'cs\.resources\.views = true'
expect "the views name the provider's registration" 'cs\.resources\.original\.service\.id = [0-9]+'
# Karaf's service:list heads each service with its objectClass in brackets (no objectClass line).
multiopens=$(grep -c '^ *\[cs\.resources\.MultiOpen\]' <<< "$out" || true)
views=$(grep -c 'cs\.resources\.views = true' <<< "$out" || true)
if (( multiopens > 0 && multiopens == views )); then
    ok "every MultiOpen service listed is a registration with views ($views): no original beside its copy"
else
    failed "service:list cs.resources.MultiOpen shows $multiopens services, $views of them with views"
fi
reject "the views do not carry cs.resources.shared.as" 'cs\.resources\.shared\.as'
as karaf 'service:list cs.resources.osgi.Shared'
expect "the provider's own registration is under Shared" '^ *\[cs\.resources\.osgi\.Shared\]'
expect "and says what it shares" 'cs\.resources\.shared\.as = \[?cs\.resources\.MultiOpen\]?'
reject "the provider's registration is not one with views" 'cs\.resources\.views = true'

# ------------------------------------------------------------------------------ as admin

log "as admin (user karaf): list, run two tasks"
as karaf 'resources:runstates'
expect "runstates prints its header" '^ID +NAME +STATE +BUNDLE +STARTED +RUN TIME +PROGRESS +LEFT +MESSAGE$'
# One task logs a line every 500 ms; the other blocks in a Karaf command until interrupted.
as karaf 'resources:run -e 500ms karaf-ticker { log:log "karaf-ticker tick $1" }' \
    'resources:run karaf-sleeper { sleep 600000 }'
expect "run submits the ticker" '^task [0-9]+ karaf-ticker submitted; resources:cancel [0-9]+ stops it$'
expect "run submits the sleeper" '^task [0-9]+ karaf-sleeper submitted'
ticker_id=$(sed -n 's/^task \([0-9]*\) karaf-ticker submitted.*/\1/p' <<< "$out")
sleeper_id=$(sed -n 's/^task \([0-9]*\) karaf-sleeper submitted.*/\1/p' <<< "$out")
ticks() { (( $(grep -c 'karaf-ticker tick RunState\[karaf-ticker#' "$home/data/log/karaf.log") >= 3 )); }
await 20 "the ticker's closure ran three times" ticks
ok "the ticker's closure ran Karaf's log:log, repeatedly, in a session of its own"
as karaf 'resources:runstates'
# Tasks belong to the bundle that submitted them: those run from the shell, to the shell's.
expect "runstates lists the ticker running" "^ *$ticker_id +karaf-ticker +RUNNING +cs\.resources\.shell "
expect "runstates lists the sleeper running" '^ *[0-9]+ +karaf-sleeper +RUNNING +cs\.resources\.shell '

log "as admin: pause and resume the ticker"
as karaf "resources:pause $ticker_id" 'resources:runstates'
expect "pause pauses the ticker" "^paused $ticker_id karaf-ticker \(PAUSED\)$"
expect "runstates lists the ticker paused" "^ *$ticker_id +karaf-ticker +PAUSED +cs\.resources\.shell "
as karaf 'resources:resume karaf-ticker' 'resources:runstates -p'
expect "resume resumes the ticker" "^resumed $ticker_id karaf-ticker \(RUNNING\)$"
expect "runstates -p lists the ticker running again" "^$ticker_id	karaf-ticker	RUNNING	"

# -------------------------------------------------------------------------------- the ACL

log "as viewer: the command ACL (etc/org.apache.karaf.command.acl.resources.cfg)"
out=$(cat "$etc/org.apache.karaf.command.acl.resources.cfg" 2> /dev/null || true)
expect "the feature wrote etc/org.apache.karaf.command.acl.resources.cfg" '^cancel = admin$'
out=$(cat "$etc/scripts/resources.completion.script" 2> /dev/null || true)
expect "the feature installed etc/scripts/resources.completion.script" '^ *complete -c resources:cancel -a'
# Karaf's console reads it with Gogo's parser: a quote inside double quotes ("pool's") made the
# whole script fail to parse, and every completion after it was lost.
as karaf "shell:source $etc/scripts/resources.completion.script" 'echo completion-script-sourced'
expect "Karaf's console reads the completion script to its end" '^completion-script-sourced$'
reject "the completion script parses in Karaf's console" 'EOT|matching quote|[Ee]rror|[Ee]xception'

# Karaf applies a new ACL within seconds; until then the probe only fails on an unknown name.
acl_applied() { karaf viewer 'resources:cancel no-such-runstate' | grep -q 'Command not found'; }
await 30 "the ACL refuses resources:cancel to the viewer" acl_applied
ok "the ACL is in effect"
as viewer 'resources:runstates' 'resources:opens' 'resources:pools'
expect "the viewer lists RunStates" "^ *$ticker_id +karaf-ticker +RUNNING "
expect "the viewer lists MultiOpens" 'cs\.resources\.itest\.provider\.SharedResource +cs\.resources\.itest\.provider +[0-9]+ +OPEN'
expect "the viewer lists pools" '^SERVICE +NAME +BUNDLE +MAX +CREATED'
as viewer "resources:cancel $ticker_id"
expect "the viewer may not cancel" 'Command not found: resources:cancel'
as viewer 'resources:run viewer-task { echo no }'
expect "the viewer may not run" 'Command not found: resources:run'
as viewer "resources:pause $ticker_id"
expect "the viewer may not pause" 'Command not found: resources:pause'
as viewer "resources:resume $ticker_id"
expect "the viewer may not resume" 'Command not found: resources:resume'
as viewer 'resources:evict 1'
expect "the viewer may not evict a pool" 'Command not found: resources:evict'
as viewer 'resources:resize --max-total 3 1'
expect "the viewer may not resize a pool" 'Command not found: resources:resize'
out=$(cat "$etc/jmx.acl.cs.resources.Pools.cfg" 2> /dev/null || true)
expect "the feature wrote etc/jmx.acl.cs.resources.Pools.cfg (evictAll for admins)" '^evictAll = admin$'
as viewer 'resources:runstates'
expect "the ticker still runs" "^ *$ticker_id +karaf-ticker +RUNNING "

# ------------------------------------------------------------------------------------ JMX

log "JMX over the RMI connector on loopback ($jmx_url)"
as karaf 'service:list javax.management.DynamicMBean | grep "jmx.objectname = cs.resources"'
expect "the MBeans are jmx.objectname services (the whiteboard)" 'jmx\.objectname = cs\.resources:type=RunStates'
# JMX acts by id only (a name is for people at the shell).
show viewer "jmx runstates opens pools cancel=$sleeper_id pause=$sleeper_id" \
    "$(jmx viewer runstates opens pools cancel=$sleeper_id pause=$sleeper_id)"
expect "the viewer reads the RunStates MBean" "^  id=$ticker_id name=karaf-ticker state=RUNNING bundle=cs\.resources\.shell$"
expect "the viewer reads the MultiOpens MBean" '^  serviceId=[0-9]+ className=cs\.resources\.itest\.provider\.SharedResource openCount=1 phase=OPEN$'
expect "the viewer reads the Pools MBean" '^jmx cs\.resources:type=Pools Pools: 0 rows$'
expect "the JMX ACL refuses cancel to the viewer" "^jmx cancel=$sleeper_id refused: "
expect "the JMX ACL refuses pause to the viewer" "^jmx pause=$sleeper_id refused: "
show karaf "jmx pause=$sleeper_id resume=$sleeper_id" "$(jmx karaf pause=$sleeper_id resume=$sleeper_id)"
expect "an admin pauses the sleeper over JMX" '^jmx paused id=[0-9]+ name=karaf-sleeper state=PAUSED$'
expect "an admin resumes the sleeper over JMX" '^jmx resumed id=[0-9]+ name=karaf-sleeper state=RUNNING$'
show karaf "jmx cancel=karaf-sleeper" "$(jmx karaf cancel=karaf-sleeper)"
expect "JMX refuses a name: by id only" '^jmx cancel=karaf-sleeper failed: cancel: "karaf-sleeper" is not a RunState id'
show karaf "jmx cancel=$sleeper_id" "$(jmx karaf cancel=$sleeper_id)"
expect "an admin cancels the sleeper over JMX" '^jmx cancelled id=[0-9]+ name=karaf-sleeper state=(STOPPING|CANCELLED)$'

# --------------------------------------------------------------------------------- cancel

log "as admin: cancel the ticker"
as karaf "resources:cancel $ticker_id"
expect "cancel cancels the ticker" "^cancelled $ticker_id karaf-ticker \((STOPPING|CANCELLED)\)$"
ended() { karaf karaf 'resources:runstates -a -p' | grep -Eq "^$ticker_id	karaf-ticker	CANCELLED	"; }
await 10 "the ticker ended" ended
as karaf 'resources:runstates -a'
expect "the ticker ended cancelled" "^ *$ticker_id +karaf-ticker +CANCELLED "
expect "the sleeper ended cancelled (interrupted)" '^ *[0-9]+ +karaf-sleeper +CANCELLED '
as karaf 'resources:runstates'
reject "nothing is left running" 'karaf-(ticker|sleeper)'

# ------------------------------------------------------------------------ the Web Console page

log "feature cs-resources-webconsole: the Resources page at http://127.0.0.1:$http_port/system/console/resources"
log_before_web=$(wc -l < "$home/data/log/karaf.log")
as karaf 'feature:install cs-resources-webconsole' 'feature:list -i | grep cs-resources-webconsole' \
    'resources:run karaf-web-admin { sleep 600000 }' 'resources:run karaf-web-viewer { sleep 600000 }'
expect "feature cs-resources-webconsole is started" '^cs-resources-webconsole +\| [^|]+\| x +\| Started'
web=http://127.0.0.1:$http_port/system/console
page_ok() { [[ $(curl -s -o /dev/null -w '%{http_code}' -u karaf:karaf "$web/resources") == 200 ]]; }
await 90 "the Resources page answers" page_ok
# What the install logged (any bundle: Pax Web, the Web Console, ours): no error.
out=$(tail -n "+$(( log_before_web + 1 ))" "$home/data/log/karaf.log" | grep -E '\| ERROR ' || true)
reject "installing cs-resources-webconsole logged no error" '.'
[[ -n $out ]] && printf '%s\n' "$out" | cut -c1-300
ids=$(karaf karaf 'resources:runstates -p')
admin_id=$(awk -F'\t' '$2 == "karaf-web-admin" { print $1 }' <<< "$ids")
viewer_id=$(awk -F'\t' '$2 == "karaf-web-viewer" { print $1 }' <<< "$ids")
web_get() { curl -s -c "$work/$1.cookies" -b "$work/$1.cookies" -u "$1:$1" "$web/$2"; }
web_post() { curl -s -o /dev/null -w '%{http_code}' -c "$work/$1.cookies" -b "$work/$1.cookies" -u "$1:$1" -d "$2" "$web/resources"; }
token_of() { sed -n 's/.*data-token="\([A-Za-z0-9_-]*\)".*/\1/p' <<< "$1" | head -n 1; }

out=$(curl -s -o /dev/null -w '%{http_code}' "$web/resources")
expect "the page needs a login" '^401$'
page=$(web_get viewer resources)
out=$page
expect "the viewer sees the RunStates" ">karaf-web-viewer<"
expect "the viewer sees the MultiOpens" 'cs\.resources\.itest\.provider\.SharedResource'
reject "the viewer sees no cancel, pause or resume button" 'cs-cancel|cs-pause|cs-resume|class="cs-action"'
out=$(web_post viewer "action=cancel&id=$viewer_id&token=$(token_of "$page")")
expect "the viewer's POST, with its token, is refused" '^403$'
out=$(web_post viewer "action=pause&id=$viewer_id&token=$(token_of "$page")")
expect "the viewer's pause, with its token, is refused" '^403$'
out=$(web_get viewer resources.json)
expect "resources.json tells the viewer it may not act" '"mayAct":false'

page=$(web_get karaf resources)
out=$page
expect "the admin sees the task with a cancel button" "aria-label=\"cancel karaf-web-admin\""
expect "the admin sees a pause button" "aria-label=\"pause karaf-web-admin\""
out=$(web_post karaf "action=cancel&id=$admin_id")
expect "the admin's POST without the token is refused" '^403$'
out=$(web_post karaf "action=pause&id=$admin_id&token=$(token_of "$page")")
expect "the admin pauses with the token" '^303$'
web_paused() { karaf karaf 'resources:runstates -p' | grep -Eq "^$admin_id	karaf-web-admin	PAUSED	"; }
await 20 "the admin's task paused" web_paused
out=$(web_get karaf resources)
expect "the paused task has a resume button" "aria-label=\"resume karaf-web-admin\""
out=$(web_post karaf "action=cancel&id=$admin_id&token=$(token_of "$page")")
expect "the admin cancels with the token" '^303$'
web_ended() { karaf karaf 'resources:runstates -a -p' | grep -Eq "^$admin_id	karaf-web-admin	CANCELLED	"; }
await 20 "the admin's task ended" web_ended
as karaf 'resources:runstates'
expect "the viewer's task still runs" "^ *$viewer_id +karaf-web-viewer +RUNNING "
as karaf "resources:cancel $viewer_id"

# ----------------------------------------------------------------------- /metrics (Prometheus)

log "feature cs-resources-metrics: /metrics at http://127.0.0.1:$metrics_port/metrics"
log_before_metrics=$(wc -l < "$home/data/log/karaf.log")
as karaf 'feature:install cs-resources-metrics' 'feature:list -i | grep cs-resources-metrics' \
    'resources:run karaf-metered { sleep 600000 }'
expect "feature cs-resources-metrics is started (from the KAR)" '^cs-resources-metrics +\| [^|]+\| x +\| Started'
metrics_url=http://127.0.0.1:$metrics_port/metrics
scrape() { curl -s -u "metrics:$metrics_password" "$metrics_url"; }
metered() { scrape | grep -Eq '^cs_resources_runstates_live\{bundle="[^"]+",name="karaf-metered",state="running"\} 1\.0$'; }
await 60 "/metrics shows the running task" metered
ok "/metrics shows the running task, tagged with its name and bundle"
out=$(curl -s -o /dev/null -w '%{http_code}' "$metrics_url")
expect "/metrics needs the password" '^401$'
out=$(curl -s -o /dev/null -w '%{http_code}' -u "metrics:x$metrics_password" "$metrics_url")
expect "/metrics refuses a wrong password" '^401$'
# Karaf's listening sockets on that port (state 0A: LISTEN), by local address, in /proc's hex.
out=$(awk -v p=":$(printf '%04X' "$metrics_port")" '$2 ~ p"$" && $4 == "0A" { print $2 }' /proc/net/tcp /proc/net/tcp6 | sort -u)
# 127.0.0.1, as IPv4 or IPv4-mapped IPv6 (Java's sockets are dual-stack), and nothing else.
others=$(grep -Ev '^(0100007F|0{16}FFFF00000100007F):' <<< "$out" || true)
expect "/metrics listens on 127.0.0.1" '^(0100007F|0{16}FFFF00000100007F):'
out=$others
reject "/metrics listens on no other address" '.'
as karaf 'resources:cancel karaf-metered'
cancelled() { scrape | grep -Eq '^cs_resources_runstates_ended_total\{bundle="[^"]+",name="karaf-metered",outcome="cancelled"\} 1\.0$'; }
await 30 "/metrics counts the task cancelled" cancelled
ok "/metrics counts the task as ended, cancelled"
out=$(tail -n "+$(( log_before_metrics + 1 ))" "$home/data/log/karaf.log" | grep -E '\| ERROR ' || true)
reject "installing cs-resources-metrics logged no error" '.'
[[ -n $out ]] && printf '%s\n' "$out" | cut -c1-300

# ------------------------------------------------ Jolokia under Karaf's JMX ACL (cs-resources-jolokia)

# Jolokia's OSGi agent in JAAS mode (realm karaf) with cs.resources.jolokia's restrictor: Karaf's
# JMXSecurityMBean decides, as the logged-in user, on the feature's jmx.acl.cs.resources.RunStates
# (reads for viewer; cancel, pause, resume for admin) and Karaf's own jmx.acl*.cfg.
jolokia=http://127.0.0.1:$http_port/jolokia
log "feature cs-resources-jolokia: Jolokia at $jolokia"
log_before_jolokia=$(wc -l < "$home/data/log/karaf.log")
as karaf 'feature:install cs-resources-jolokia' 'feature:list -i | grep cs-resources-jolokia' \
    'resources:run karaf-jolokia { sleep 600000 }'
expect "feature cs-resources-jolokia is started (from the KAR)" '^cs-resources-jolokia +\| [^|]+\| x +\| Started'
jolokia_id=$(sed -n 's/^task \([0-9]*\) karaf-jolokia submitted.*/\1/p' <<< "$out")
jolokia_up() { [[ $(curl -s -o /dev/null -w '%{http_code}' -u viewer:viewer "$jolokia/version") == 200 ]]; }
await 60 "Jolokia answers" jolokia_up
jolokia_post() { # user JSON request
    curl -s -u "$1:$1" -H 'Content-Type: application/json' -d "$2" "$jolokia/"
}
# Jolokia's answer in a few lines: its status, the names of the RunStates in its value, its error.
jolokia_summary() {
    python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError as e:
    print("not JSON:", e)
    sys.exit()
print("status", d.get("status"))
v = d.get("value")
if isinstance(v, list):
    print("names", " ".join(sorted(str(r.get("name")) for r in v if isinstance(r, dict))))
if "error" in d:
    print("error_type", d.get("error_type"))
    print("error", d.get("error"))
'
}
exec_on_runstates() { # user operation argument (JMX acts by id)
    jolokia_post "$1" "{\"type\":\"exec\",\"mbean\":\"cs.resources:type=RunStates\",\"operation\":\"$2\",\"arguments\":[\"$3\"]}" | jolokia_summary
}
out=$(curl -s -o /dev/null -w '%{http_code}' "$jolokia/read/cs.resources:type=RunStates/RunStates")
expect "Jolokia needs a login" '^401$'
out=$(curl -s -o /dev/null -w '%{http_code}' -u viewer:wrong "$jolokia/read/cs.resources:type=RunStates/RunStates")
expect "Jolokia refuses a wrong password" '^401$'
show viewer "read cs.resources:type=RunStates/RunStates" \
    "$(curl -s -u viewer:viewer "$jolokia/read/cs.resources:type=RunStates/RunStates" | jolokia_summary)"
expect "the viewer reads the RunStates attribute over HTTP" '^status 200$'
expect "the viewer sees the task in it" '^names .*karaf-jolokia'
show viewer "exec cancel $jolokia_id" "$(exec_on_runstates viewer cancel "$jolokia_id")"
expect "the JMX ACL refuses cancel to the viewer through Jolokia" '^status 403$'
expect "Jolokia says the operation is forbidden" '^error .*Operation cancel forbidden for MBean cs\.resources:type=RunStates'
show viewer "exec cancel(java.lang.String) $jolokia_id" "$(exec_on_runstates viewer 'cancel(java.lang.String)' "$jolokia_id")"
expect "the viewer is refused cancel named with its signature too" '^status 403$'
show viewer "exec pause $jolokia_id" "$(exec_on_runstates viewer pause "$jolokia_id")"
expect "the JMX ACL refuses pause to the viewer through Jolokia" '^status 403$'
# Karaf's own jmx.acl.cfg: set* = admin. Memory's Verbose is false already: writing it changes nothing.
show viewer "write java.lang:type=Memory/Verbose false" \
    "$(jolokia_post viewer '{"type":"write","mbean":"java.lang:type=Memory","attribute":"Verbose","value":false}' | jolokia_summary)"
expect "Karaf's ACL refuses the viewer an attribute write through Jolokia" '^status 403$'
as karaf 'resources:runstates -p'
expect "the task still runs after the viewer's attempts" '^[0-9]+	karaf-jolokia	RUNNING	'
show karaf "exec cancel $jolokia_id" "$(exec_on_runstates karaf cancel "$jolokia_id")"
expect "an admin cancels through Jolokia" '^status 200$'
jolokia_ended() { karaf karaf 'resources:runstates -a -p' | grep -Eq '^[0-9]+	karaf-jolokia	CANCELLED	'; }
await 30 "the task cancelled through Jolokia ended" jolokia_ended
ok "the task cancelled through Jolokia ended CANCELLED"
out=$(tail -n "+$(( log_before_jolokia + 1 ))" "$home/data/log/karaf.log" | grep -E '\| ERROR ' || true)
reject "installing cs-resources-jolokia logged no error" '.'
[[ -n $out ]] && printf '%s\n' "$out" | cut -c1-300

# ------------------------------------------------------------------------------------ log

# From our first feature install on: Karaf's own boot restarts Aries JMX and sometimes logs
# "Task rejected for JMX Notification dispatch" before any bundle of ours is installed.
out=$(sed -n '/Adding features: cs-resources/,$p' "$home/data/log/karaf.log" | grep -E '\| (ERROR|WARN) ' \
    | grep -E 'cs\.resources|TaskServiceComponent|aries\.jmx' || true)
reject "no error or warning about cs.resources in karaf.log" '.'
[[ -n $out ]] && printf '%s\n' "$out" | cut -c1-300
out=$(grep 'Error in initialization script' "$home/data/log/karaf.log" || true)
reject "the console init scripts, our completion script among them, ran without error" '.'

echo "karaf-test: $passed passed, $failures failed"
(( failures == 0 ))
