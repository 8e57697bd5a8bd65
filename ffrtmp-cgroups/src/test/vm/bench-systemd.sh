#!/bin/sh
# Benchmarks inside the systemd VM (ratios only: the VM is emulated). Run by hand, after
# `mvn -q install -DskipTests`, through the VM harness:
#   FFRTMP_VM_EXTRA="sh $PWD/ffrtmp-cgroups/src/test/vm/bench-systemd.sh" FFRTMP_VM_TIMEOUT=2400 \
#   FFRTMP_VM_METHOD='io.ffrtmp.cgroups.systemd.SystemdVmSuite#limitsAsUnitProperties_inForceBeforeTheFirstInstruction(org.junit.jupiter.api.TestInfo)' \
#     ffrtmp-cgroups/src/test/vm/run-vm-suite.sh systemd
# 1. the CLI's start-up against `java -version`, as root inside an ordinary service (systemd
#    backend); 2. the launch overhead against plain ProcessBuilder under the systemd backend and
#    under cgroup-v2, each in a delegated unit of its own (cgroup-v2 needs delegation there).
# `bench-systemd.sh cli` runs the first part only (a few minutes instead of half an hour);
# `bench-systemd.sh v2` the cgroup-v2 launch only, `FFRTMP_BENCH_OPTS` adds JVM options to it
# (e.g. -Dffrtmp.shim=/path/to/another/shim, to compare two shims in one boot).
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
cd "$repo"
java=$(readlink -f "$(command -v java)")
bench="-p ffrtmp-examples/target/lib -m io.ffrtmp.examples/io.ffrtmp.examples.bench.Benchmarks"
if [ "$1" = v2 ]; then
  # shellcheck disable=SC2086
  systemd-run --quiet --wait --pipe -p Delegate=yes -p WorkingDirectory="$repo" \
    --unit="ffrtmp-bench-v2-$$" "$java" -Dffrtmp.strategy=cgroup-v2 $FFRTMP_BENCH_OPTS $bench \
    launch --quick
  exit 0
fi
echo "== ffrtmp backends (root, in an ordinary service)"
bin/ffrtmp backends
echo "== cli: systemd backend, root, in an ordinary service"
"$java" $bench cli --quick
[ "$1" = cli ] && exit 0
for s in systemd cgroup-v2; do
  echo "== launch: $s, in a delegated unit of its own"
  systemd-run --quiet --wait --pipe -p Delegate=yes -p WorkingDirectory="$repo" \
    --unit="ffrtmp-bench-$s" "$java" -Dffrtmp.strategy="$s" $bench launch --quick
done
