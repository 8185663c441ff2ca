#!/bin/sh
# Runs the JMH benchmarks and prints the ratios the project's targets are stated in.
#
#   benchmarks/run.sh short [JMH options...]   about 13 minutes on 2 cores: 1 fork, 3 x 1 s warm-up, 5 x 1 s measured
#   benchmarks/run.sh full  [JMH options...]   about 40 minutes: the annotations' 3 forks, 5 x 2 s warm-up, 10 x 2 s measured
#
# Extra options go to JMH, e.g. a regex to run a subset: benchmarks/run.sh short 'PoolBenchmark'.
# Do not pass -t: the T1 and T2 classes set the thread counts. Builds the jar if it is missing.
# The result is benchmarks/target/jmh-<profile>.json; the load average is printed before and after,
# since the numbers mean little on a busy machine. The ratios are printed twice: from JMH's scores,
# then from each benchmark's fastest iteration (Ratios --best).
set -eu
cd "$(dirname "$0")/.."
profile=${1:-short}
[ $# -gt 0 ] && shift
case $profile in
  short) set -- -f 1 -wi 3 -w 1s -i 5 -r 1s "$@" ;;
  full) ;;
  *) echo "usage: $0 short|full [JMH options...]" >&2; exit 2 ;;
esac
jar=benchmarks/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  log=$(mktemp)
  if ! mvn -B -pl benchmarks -am package -DskipTests > "$log" 2>&1; then
    cat "$log"
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
fi
out=benchmarks/target/jmh-$profile.json
echo "load before: $(uptime)"
java -jar "$jar" -prof gc -rf json -rff "$out" "$@"
echo "load after:  $(uptime)"
echo
java -cp "$jar" cs.resources.benchmarks.Ratios "$out"
echo
# The same from each benchmark's fastest iteration: steadier when other work shares the machine.
java -cp "$jar" cs.resources.benchmarks.Ratios "$out" --best | sed -n '/^ratios of/,$p'
