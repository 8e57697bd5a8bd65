#!/bin/sh
# Boots a throwaway kernel under qemu (software emulation) and runs an integration suite inside
# it, against this build's real output, with the host's root file system shared read-only.
# Fails when any test fails.
#   run-vm-suite.sh v2       cgroup v2 (a busybox init, the unified hierarchy mounted by hand):
#                            io.ffrtmp.cgroups.v2.CgroupV2VmSuite, as root in the root cgroup
#   run-vm-suite.sh systemd  Debian's systemd booted as PID 1 (over an overlay of the host's
#                            root): io.ffrtmp.cgroups.systemd.SystemdVmSuite as root inside an
#                            ordinary service, then SystemdUserVmSuite as a lingering normal
#                            user (uid 1600) of its own user manager
#   run-vm-suite.sh MODE MODULE SUITE
#                            another module's suite in the same VM (its target/classes,
#                            target/test-classes and target/vm/classpath.txt): ffrtmp-examples
#                            runs io.ffrtmp.examples.CliSystemdVmSuite so, against bin/ffrtmp
#
# Run by `mvn verify` (ffrtmp-cgroups, integration-test phase; -Dffrtmp.vm.skip=true skips both)
# or by hand after `mvn -pl ffrtmp-cgroups -am verify -Dffrtmp.vm.skip=true`:
#   ffrtmp-cgroups/src/test/vm/run-vm-suite.sh v2
# Needs: qemu-system-x86 and busybox-static (Debian), apt-get download access for the kernel
# package; the systemd suite also systemd, dbus and dbus-user-session on the host (its root
# becomes the VM's). Without them it prints SKIPPED and exits 0, unless FFRTMP_VM_REQUIRED=1 (CI).
#
# Bounds, so that a hang can neither pass nor cost CI long: each test method has
# FFRTMP_VM_TEST_TIMEOUT seconds (default 120; the longest test takes about 15 s here) and each
# @BeforeAll/@AfterEach... method FFRTMP_VM_LIFECYCLE_TIMEOUT (default 180), each in a thread of
# its own: a test that times out fails with a dump of every thread of the JVM, and the suite goes
# on with the next test. A boot in which no test starts or ends for FFRTMP_VM_STALL_LIMIT seconds
# (default 300, counted from the suite's start; longer than either bound) while the guest runs
# is killed and fails: the bounds themselves did not work. The whole boot has FFRTMP_VM_TIMEOUT
# seconds (default 840): with hangs caught by the bounds, this one is a backstop, as generous as
# it can be while a boot that times out test after test still costs less than 15 minutes, so
# that a suite that still progresses on a slow or busy machine is not cut off. The guest
# writes a heartbeat every 10 s (and says so on the console every 60 s): a guest whose heartbeat
# stops for FFRTMP_VM_FREEZE_LIMIT seconds (default 120) has frozen under the emulator (its
# kernel no longer runs anything, so no test could cause or see it) and is booted again, once,
# as is a boot that shows no sign of life within FFRTMP_VM_START_LIMIT seconds (default 300).
# A heartbeat that stopped because its shell could not fork ("Cannot fork" on the console) is no
# freeze: the guest ran out of processes or memory (most likely a test's processes escaped their
# limits), and the boot fails without a second one (a second boot would hide the failed test).
# Before a frozen boot is killed, what it was doing is printed: every vCPU's instruction pointer
# through qemu's monitor (symbolized), a verdict, and the guest kernel's backtraces through
# magic SysRq typed on the emulated keyboard (see diagnose_freeze).
# The console goes to target/vm/console-<mode>.log (and to the output as it comes); when the
# suite fails or the VM ends without a result, its last lines are printed again.
# Other settings: FFRTMP_VM_KERNEL_PKG (a linux-image-*-amd64 package; default: what
# linux-image-amd64 depends on), FFRTMP_VM_METHOD (one test only, e.g.
# 'io.ffrtmp.cgroups.v2.CgroupV2VmSuite#name(org.junit.jupiter.api.TestInfo)'), FFRTMP_VM_EXTRA
# (a shell command run inside first, as root, e.g. to look around).
set -eu
mode=${1:-v2}
case "$mode" in v2|systemd) ;; *) echo "usage: $0 v2|systemd [MODULE SUITE]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
# the kernel is unpacked once, into this module's target/vm, whichever module's suite runs
kcache="$(cd "$here/../../.." && pwd)/target/vm"
if [ $# -ge 3 ]; then
  module=$(cd "$2" && pwd)
  suite=$3
  own=0
else
  module=$(cd "$here/../../.." && pwd)
  suite=
  own=1
fi
vm="$module/target/vm"
timeout_s=${FFRTMP_VM_TIMEOUT:-840}
stall_limit=${FFRTMP_VM_STALL_LIMIT:-300}
test_timeout=${FFRTMP_VM_TEST_TIMEOUT:-120}
lifecycle_timeout=${FFRTMP_VM_LIFECYCLE_TIMEOUT:-180}
freeze_limit=${FFRTMP_VM_FREEZE_LIMIT:-120}
console="$vm/console-$mode.log"

skip() {
  if [ "${FFRTMP_VM_REQUIRED:-0}" = 1 ]; then
    echo "ERROR: $mode VM suite cannot run: $1" >&2
    exit 1
  fi
  echo "SKIPPED: $mode VM suite: $1" >&2
  exit 0
}

[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host (found $(uname -m))"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || skip "busybox missing (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then skip "$busybox is dynamically linked (apt-get install busybox-static)"; fi
[ -d "$module/target/classes" ] && [ -d "$module/target/test-classes" ] || skip "build first: $module/target/classes or test-classes is missing"
[ -f "$vm/classpath.txt" ] || skip "build first: $vm/classpath.txt is missing (mvn verify writes it)"
if [ "$mode" = systemd ]; then
  [ -x /lib/systemd/systemd ] || skip "/lib/systemd/systemd missing (apt-get install systemd)"
  [ -f /lib/systemd/system/dbus.service ] || skip "dbus missing (apt-get install dbus)"
  [ -f /usr/lib/systemd/user/dbus.socket ] || skip "no user bus (apt-get install dbus-user-session)"
  command -v useradd >/dev/null || skip "useradd missing (apt-get install passwd)"
fi

mkdir -p "$vm"
# 1. The kernel, from Debian's package, unpacked without touching the host's /boot.
pkg=${FFRTMP_VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -1)}
[ -n "$pkg" ] || skip "cannot tell which linux-image package to use"
kdir="$kcache/kernel-$pkg"
if [ ! -d "$kdir/boot" ]; then
  rm -rf "$kdir" "$kcache/dl"
  mkdir -p "$kcache/dl"
  (cd "$kcache/dl" && apt-get download "$pkg" >/dev/null 2>&1) || skip "apt-get download $pkg failed"
  dpkg-deb -x "$kcache"/dl/*.deb "$kdir"
  rm -rf "$kcache/dl"
fi
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -1)
kver=$(basename "$vmlinuz" | sed 's/^vmlinuz-//')
mods="$kdir/lib/modules/$kver/kernel"

# 2. A busybox initramfs whose init mounts the host's root over 9p and runs the suite.
results="$vm/results-$mode"
ramfs="$vm/initramfs-$mode"
rm -rf "$ramfs" "$results"
mkdir -p "$ramfs/bin" "$ramfs/modules" "$results"
chmod 777 "$results"
cp "$busybox" "$ramfs/bin/busybox"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
    drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs \
    fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/overlayfs/overlay \
    mm/zsmalloc drivers/block/zram/zram lib/crc16 fs/mbcache fs/jbd2/jbd2 \
    crypto/crc32c_generic fs/ext4/ext4; do
  f="$mods/$m.ko"
  if [ -f "$f" ]; then cp "$f" "$ramfs/modules/"; fi
done
cp_file="$vm/classpath.txt"
java_bin="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin/java"
jvm_opts="-XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"
# testfeed: one line per test as it ends (progress in the console); the bounds described above
launcher="org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=testfeed \
  --disable-ansi-colors \
  --config=junit.jupiter.execution.timeout.testable.method.default=${test_timeout}s \
  --config=junit.jupiter.execution.timeout.lifecycle.method.default=${lifecycle_timeout}s \
  --config=junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD \
  --config=junit.jupiter.execution.timeout.threaddump.enabled=true"
# The guest kernel's console shows errors, warnings and lines of the default level (5: levels 0
# to 4): what the kernel says of a stall — an RCU stall (an error), a soft lockup (an emergency),
# each with its backtraces (the default level) — reaches the console by itself, also when the
# guest no longer serves the keyboard's SysRq (a CPU that spins with interrupts off). With 3
# (errors hidden) a freeze of a systemd boot printed nothing at all, and a soft lockup's
# backtraces were lost.
loglevel=5
# the guest's heartbeat: a file the host watches (every 10 s), a console line every 60 s
heartbeat="( n=0; while :; do cut -d' ' -f1 /proc/uptime > '$results/heartbeat'; \
  [ \$((n % 6)) = 5 ] && echo \"VM: alive at \$(cut -d' ' -f1 /proc/uptime) s, load \$(cut -d' ' -f1-3 /proc/loadavg)\"; \
  n=\$((n + 1)); sleep 10; done ) &"
if [ "$own" = 0 ]; then
  :
elif [ "$mode" = v2 ]; then
  suite=io.ffrtmp.cgroups.v2.CgroupV2VmSuite
else
  suite=io.ffrtmp.cgroups.systemd.SystemdVmSuite
fi
if [ -n "${FFRTMP_VM_METHOD:-}" ]; then
  select="--select-method '$FFRTMP_VM_METHOD'"
else
  select="--select-class $suite"
fi
# the IO tests' disk (CgroupV2VmSuite.IO_DISK, and the io test of SystemdVmSuite): ext4 on
# /dev/zram1
iodisk=/run/ffrtmp-io
mount_iodisk="mkdir -p $iodisk && mkfs.ext4 -q /dev/zram1 && mount /dev/zram1 $iodisk \
  && echo \"VM: /dev/zram1 mounted at $iodisk\" || echo \"VM: no disk for the IO tests\""
# The kernel's static keys. Some cgroup changes switch a static key of the kernel, and switching
# one rewrites the kernel's own code while it runs (x86's text_poke_bp: an int3 on each site,
# every other CPU made to resynchronize, then the new instruction): the first CPU quota set
# (__cfs_bandwidth_used, with sites in the scheduler's update_curr) and the last lifted, the
# first and the last cpuset (cpusets_enabled_key, cpusets_pre_enable_key), the first and the
# last memory cgroup (memcg_sockets_enabled_key). Under qemu's multi-threaded TCG such a rewrite
# can livelock the guest for good: one vCPU looping through the int3 handler at the patched
# site, the other spinning on a run-queue lock, both with interrupts off, so that the kernel
# reports nothing (no soft lockup, no RCU stall, no SysRq) and no process runs again. That was
# the freeze the heartbeat caught (how it was found: docs/ARCHITECTURE.md, "No test switches a
# static key of the guest kernel"). So the guest holds those keys on from boot, before any
# test: a cgroup of the harness's own (a service under systemd, which enables and disables the
# root's controllers itself) with a CPU quota (64 CPUs: never reached), a cpuset and a memory
# controller, alive as long as the VM. The tests then switch none of them; each suite's
# *_rewriteNoKernelCode test checks that, by comparing the kernel's code before and while its
# cgroups exist.
# what holds them, said on the console (k: the holder's cgroup, set by each mode's script)
say_keys="echo \"VM: the kernel's static keys held by \$k: cpu.max \$(cat \$k/cpu.max), cpuset.cpus.effective \$(cat \$k/cpuset.cpus.effective), memory.max \$(cat \$k/memory.max)\""
hold_keys_v2="k=/sys/fs/cgroup/vm-static-keys
echo '+cpu +cpuset +memory' > /sys/fs/cgroup/cgroup.subtree_control && mkdir -p \$k \
  && echo '6400000 100000' > \$k/cpu.max && $say_keys || echo \"VM: cannot hold the kernel's static keys in \$k\""
# the kernel's text symbols, once per kernel (the guest boots with nokaslr, so they hold for
# every boot): what a frozen guest's instruction pointers are symbolized with (Debian's
# System.map is a placeholder)
syms="$kdir/kallsyms"
if [ -s "$syms" ]; then save_syms=":"; else save_syms="grep -i ' t ' /proc/kallsyms >"; fi
cat > "$ramfs/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /host /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay zsmalloc zram \
    crc16 mbcache jbd2 crc32c_generic ext4; do
  [ -f /modules/\$m.ko ] && insmod /modules/\$m.ko 2>/dev/null
done
# a swap device for the swap-limit tests, prepared but off (a test switches it on and off):
# zram, 256 MiB of compressed RAM
if [ -e /sys/block/zram0/disksize ] && echo 256M > /sys/block/zram0/disksize \
    && mkswap /dev/zram0 >/dev/null 2>&1; then
  echo "VM: /dev/zram0 prepared as swap (off)"
else
  echo "VM: no zram swap device"
fi
# a disk for the IO-limit tests: a second zram device, formatted and mounted at $iodisk by the
# script inside (with the host's mkfs.ext4)
if [ -e /sys/class/zram-control/hot_add ] && n=\$(cat /sys/class/zram-control/hot_add) \
    && echo 256M > /sys/block/zram\$n/disksize; then
  echo "VM: /dev/zram\$n prepared for the IO tests"
fi
# which clock the guest kernel keeps time with: a lead for the soft lockups once seen under the
# emulator (tsc under TCG is suspected elsewhere), printed so that a frozen boot's log has it
cs=/sys/devices/system/clocksource/clocksource0
echo "VM: clocksource \$(cat \$cs/current_clocksource 2>/dev/null) (available: \$(cat \$cs/available_clocksource 2>/dev/null))"
INIT
if [ "$mode" = v2 ]; then
  cat >> "$ramfs/init" <<INIT
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host || { echo "VM: cannot mount host root"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L results "/host$results"
$save_syms "/host$results/kallsyms"
mount --bind /proc /host/proc
mount --bind /sys /host/sys
mount --bind /dev /host/dev
mount -t cgroup2 none /host/sys/fs/cgroup
# writable scratch space: /run always (the JVM's java.io.tmpdir); /tmp too unless the project
# itself lives under /tmp (a clone in /tmp must stay visible)
mount -t tmpfs tmpfs /host/run
case "$module" in /tmp/*) ;; *) mount -t tmpfs tmpfs /host/tmp ;; esac
echo "VM: kernel \$(uname -r), cgroup controllers: \$(cat /host/sys/fs/cgroup/cgroup.controllers)"
chroot /host /bin/sh "$vm/inside-v2.sh"
sync
poweroff -f
INIT
  cat > "$vm/inside-v2.sh" <<INSIDE
#!/bin/sh
touch "$results/started"
$heartbeat
$mount_iodisk
$hold_keys_v2
cd "$module"
export HOME=/run TMPDIR=/run PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp="$module/target/test-classes:$module/target/classes:\$(cat "$cp_file")"
sh "$vm/extra-v2.sh"
"$java_bin" $jvm_opts -Djava.io.tmpdir=/run -Dffrtmp.state=/run/ffrtmp-state \
  -cp "\$cp" $launcher $select --reports-dir "$results/reports"
echo \$? > "$results/exit-code"
INSIDE
  append="console=ttyS0 quiet loglevel=$loglevel panic=-1 init=/init"
else
  # systemd needs a writable root: an overlay of the host's (read-only) root over a tmpfs
  cat >> "$ramfs/init" <<INIT
mkdir -p /lower /upper /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /lower || { echo "VM: cannot mount host root"; poweroff -f; }
mount -t tmpfs tmpfs /upper
mkdir -p /upper/up /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/up,workdir=/upper/work /newroot || { echo "VM: no overlay"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L results "/newroot$results"
$save_syms "/newroot$results/kallsyms"
# Debian's tmp.conf empties /tmp at boot: keep the host's /tmp (a clone there must stay)
mkdir -p /newroot/etc/tmpfiles.d /newroot/etc/systemd/system
echo 'd /tmp 1777 root root -' > /newroot/etc/tmpfiles.d/tmp.conf
echo 0123456789abcdef0123456789abcdef > /newroot/etc/machine-id
# a host that is itself a container leaves its marker in its root; systemd would then believe
# it runs in a container (and, e.g., ignore the kernel command line)
rm -f /newroot/.dockerenv /newroot/.containerenv /newroot/run/.containerenv
# the kernel's static keys held on from boot (see above), by a service that sleeps (systemd
# creates a unit's cgroup only while it has processes, and enables and disables the root's
# controllers itself as its units need them), in a slice of its own: system.slice, where the
# suite runs, hands down the controllers it did before
cat > /newroot/etc/systemd/system/vm-static-keys.service <<'UNIT'
[Unit]
Description=ffrtmp VM: holds the kernel's static keys on (run-vm-suite.sh)
[Service]
Slice=statickeys.slice
ExecStart=/bin/sleep infinity
CPUQuota=6400%
AllowedCPUs=0
MemoryAccounting=yes
UNIT
cat > /newroot/etc/systemd/system/ffrtmp-test.target <<'UNIT'
[Unit]
Description=ffrtmp systemd suite
AllowIsolate=yes
Requires=basic.target dbus.service vm-static-keys.service ffrtmp-suite.service
After=basic.target dbus.service vm-static-keys.service
UNIT
cat > /newroot/etc/systemd/system/ffrtmp-suite.service <<'UNIT'
[Unit]
Description=ffrtmp systemd suite: an ordinary service, as an agent's
After=basic.target dbus.service vm-static-keys.service
[Service]
Type=oneshot
ExecStart=/bin/sh $vm/inside-systemd.sh
ExecStopPost=/bin/systemctl poweroff --force --force
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity
UNIT
echo "VM: kernel \$(uname -r), switching to systemd"
umount /proc /sys /dev 2>/dev/null
exec switch_root /newroot /lib/systemd/systemd
INIT
  cat > "$vm/inside-systemd.sh" <<INSIDE
#!/bin/sh
touch "$results/started"
$heartbeat
$mount_iodisk
cd "$module"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp="$module/target/test-classes:$module/target/classes:\$(cat "$cp_file")"
echo "VM: systemd \$(systemctl --version | head -1), in \$(cat /proc/self/cgroup), root controllers: \$(cat /sys/fs/cgroup/cgroup.subtree_control)"
k=/sys/fs/cgroup/statickeys.slice/vm-static-keys.service
$say_keys
# a normal user with a lingering user manager (Debian's user@.service delegates cpu memory pids)
useradd -m -u 1600 ffrtmpu
loginctl enable-linger ffrtmpu
for i in \$(seq 1 600); do [ -S /run/user/1600/bus ] && break; sleep 0.2; done
[ -S /run/user/1600/bus ] || echo "VM: the user manager's bus did not appear"
echo "VM: user 1600 and its manager ready"
# the normal user reads the class path (the overlay makes this a change inside the VM only):
# each entry and each directory above it, once, in one chmod (under TCG a fork is costly)
echo "\$cp" | tr ':' '\n' | while IFS= read -r d; do
  while [ -n "\$d" ] && [ "\$d" != / ]; do echo "\$d"; d=\${d%/*}; done
done | sort -u | xargs -r -d '\n' chmod o+rx 2>/dev/null
echo "VM: the class path readable by user 1600"
sh "$vm/extra-systemd.sh"
"$java_bin" $jvm_opts -Djava.io.tmpdir=/tmp -Dffrtmp.state=/run/ffrtmp-state \
  -cp "\$cp" $launcher $select --reports-dir "$results/reports"
rc=\$?
if [ -z "${FFRTMP_VM_METHOD:-}" ] && [ "$own" = 1 ]; then
  runuser -u ffrtmpu -- env HOME=/home/ffrtmpu XDG_RUNTIME_DIR=/run/user/1600 \
    DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1600/bus \
    "$java_bin" $jvm_opts -Djava.io.tmpdir=/tmp -cp "\$cp" $launcher \
    --select-class io.ffrtmp.cgroups.systemd.SystemdUserVmSuite --reports-dir "$results/reports-user"
  urc=\$?
  [ \$rc = 0 ] && rc=\$urc
fi
echo \$rc > "$results/exit-code"
INSIDE
  append="console=ttyS0 quiet loglevel=$loglevel panic=-1 init=/init systemd.unit=ffrtmp-test.target systemd.show_status=0"
fi
printf '%s\n' "${FFRTMP_VM_EXTRA:-}" > "$vm/extra-$mode.sh"
chmod 755 "$ramfs/init"
(cd "$ramfs" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$vm/initrd-$mode.gz")

# 3. Boot. KVM guests hang on these machines; TCG works (about 10-30x slower JVM work). A TCG
# guest has been seen to freeze (every vCPU stuck), before init ran and, rarely, later: see the
# bounds at the top.
start_limit=${FFRTMP_VM_START_LIMIT:-300}
age() { # seconds since a file was last written
  echo $(( $(date +%s) - $(stat -c %Y "$1" 2>/dev/null || date +%s) ))
}
# The emulator's monitor, for a look inside a guest that stops: two FIFOs that qemu opens
# read-write (so neither side blocks), its answers drained into monitor-<mode>.log.
monitor="$vm/monitor-$mode"
monitor_say() { # send one monitor command, wait, print the new answer
  before=$(wc -c < "$monitor.log")
  echo "$1" > "$monitor.in"
  sleep "$2"
  tail -c +$((before + 1)) "$monitor.log" | tr -d '\r'
}
symbolize() { # kernel addresses (16 hex digits; the guest boots with nokaslr) -> symbol+offset
  awk 'NR == FNR { want[tolower($1)] = 1; next }
    { for (a in want) if ($1 <= a && (!(a in sym) || $1 >= base[a])) { base[a] = $1; sym[a] = $3 } }
    END { for (a in want) print a, (a in sym) ? base[a] : a, (a in sym) ? sym[a] : "?" }' \
    "$1" "$syms" | while read -r a b name; do
    # the low 32 bits: both lie in the kernel's top 2 GiB
    printf '  %s = %s+0x%x\n' "$a" "$name" $((0x${a#????????} - 0x${b#????????}))
  done
}
keep_syms() { # the symbols a first boot saved (complete before the suite starts)
  if [ ! -s "$syms" ] && [ -s "$results/kallsyms" ]; then cp "$results/kallsyms" "$syms"; fi
}
# What a stopped guest was doing, before the boot is killed: every vCPU's instruction pointer
# (from the emulator, symbolized: RIPs that stay put across two looks are where a CPU is stuck),
# then the guest kernel's own backtraces of every CPU and of every blocked task (magic SysRq
# keys typed on the emulated keyboard; the console's log level raised first so they print). A
# monitor that does not answer means the emulator itself is stuck: its threads are listed.
diagnose_freeze() {
  echo "VM: what the stopped guest is doing (the emulator's monitor, then SysRq in the guest):" >&2
  keep_syms
  regs=$(monitor_say "info registers -a" 3)
  if [ -z "$regs" ]; then
    echo "VM: the emulator's monitor did not answer: qemu itself is stuck; its threads (state, CPU ticks user+system, wchan):" >&2
    for t in /proc/"$(pgrep -P "$qpid" -x qemu-system-x86)"/task/*; do
      echo "  $(sed 's/.*) //' "$t/stat" 2>/dev/null | cut -d' ' -f1,12,13) $(cat "$t/wchan" 2>/dev/null)"
    done >&2
    return
  fi
  sleep 2
  regs2=$(monitor_say "info registers -a" 3)
  look1=$(echo "$regs" | grep -o 'RIP=[0-9a-f]*\|CPL=[0-3]\|HLT=[01]' | paste -d' ' - - -)
  look2=$(echo "$regs2" | grep -o 'RIP=[0-9a-f]*\|CPL=[0-3]\|HLT=[01]' | paste -d' ' - - -)
  echo "$look1" | sed 's/^/  vCPU, first look:  /' >&2
  echo "$look2" | sed 's/^/  vCPU, 2 s later:   /' >&2
  if [ -n "$look1" ] && ! echo "$look1 $look2" | grep -q 'HLT=0'; then
    echo "VM: verdict: every vCPU halted, waiting for an interrupt that does not come (the emulated timer or its delivery)" >&2
  elif [ "$look1" = "$look2" ]; then
    echo "VM: verdict: no vCPU moved in 2 s: stuck where the symbols below say (in the guest kernel if CPL=0)" >&2
  else
    echo "VM: verdict: the vCPUs still move: the guest runs, but its heartbeat does not (starved, or a stopped process)" >&2
  fi
  echo "$regs $regs2" | grep -o 'RIP=ffffffff[0-9a-f]*' | cut -d= -f2 | sort -u > "$vm/rips-$mode"
  [ -s "$vm/rips-$mode" ] && [ -s "$syms" ] && symbolize "$vm/rips-$mode" >&2
  beat=$(cat "$results/heartbeat" 2>/dev/null)
  for k in 9 l w; do monitor_say "sendkey alt-sysrq-$k" 2 > /dev/null; done
  sleep 10
  echo "VM: the guest's backtraces are in the console above (SysRq 'l': every CPU, 'w': blocked tasks)" >&2
  if [ "$(cat "$results/heartbeat" 2>/dev/null)" != "$beat" ]; then
    echo "VM: the heartbeat came back after those keyboard interrupts: the guest had been waiting for an interrupt" >&2
  fi
}
# How far the suite has come: the console lines of tests that started or ended (testfeed) and of
# finished runs; the heartbeat's lines do not count.
steps=' :: (STARTED|SUCCESSFUL|FAILED|ABORTED|SKIPPED)|Test run finished after'
progress() {
  grep -c -E "$steps" "$console" || true
}
# A suite that stopped progressing while its guest runs: the guest kernel lists its blocked tasks
# (SysRq 'w') before the boot is killed.
stalled() {
  last=$(grep -E "$steps" "$console" | tail -n 1)
  echo "VM: the suite's last step: ${last:-none, no test had started}" >&2
  monitor_say "sendkey alt-sysrq-9" 2 > /dev/null
  monitor_say "sendkey alt-sysrq-w" 5 > /dev/null
}
boot() {
  rm -f "$results/started" "$results/exit-code" "$results/heartbeat" "$monitor.in" "$monitor.out"
  : > "$console"
  : > "$monitor.log"
  mkfifo "$monitor.in" "$monitor.out"
  timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 \
    -nographic -no-reboot -monitor "pipe:$monitor" -serial "file:$console" \
    -kernel "$vmlinuz" -initrd "$vm/initrd-$mode.gz" \
    -append "$append nokaslr sysrq_always_enabled" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs local,path="$results",mount_tag=results,security_model=none </dev/null &
  qpid=$!
  cat "$monitor.out" >> "$monitor.log" &
  mpid=$!
  tail -n +1 -f --pid="$qpid" "$console" &
  tpid=$!
  waited=0
  why=0
  seen=-1 # tests started or ended so far, and when that count last changed (from the start)
  moved=0
  while kill -0 "$qpid" 2>/dev/null; do
    if [ -f "$results/started" ] && [ $((waited % 5)) = 0 ]; then
      n=$(progress)
      if [ "$n" != "$seen" ]; then seen=$n; moved=$waited; fi
    fi
    if [ ! -f "$results/started" ] && [ "$waited" -ge "$start_limit" ]; then
      echo "VM: no sign of life after ${start_limit}s: killing this boot" >&2
      why=99
    elif [ -f "$results/heartbeat" ] && [ ! -f "$results/exit-code" ] \
        && [ "$(age "$results/heartbeat")" -ge "$freeze_limit" ]; then
      if grep -q -E "inside-$mode\.sh: [0-9]+: Cannot fork" "$console"; then
        # the heartbeat's shell could not fork and ended: the guest runs but starts nothing
        # (its processes or memory used up by a test), no emulator fault: no second boot
        echo "VM: the guest ran out of processes: no heartbeat for ${freeze_limit}s, its shell could not fork ('Cannot fork' above), though the guest runs; most likely a test's processes escaped their limits: killing this boot, no second one" >&2
        why=96
      else
        echo "VM: the guest froze: no heartbeat for ${freeze_limit}s (last at $(cat "$results/heartbeat") s of uptime): killing this boot" >&2
        why=98
      fi
      diagnose_freeze
    elif [ "$seen" != -1 ] && [ ! -f "$results/exit-code" ] \
        && [ $((waited - moved)) -ge "$stall_limit" ] \
        && [ "$(age "$results/heartbeat")" -lt 30 ]; then
      # (a heartbeat older than that may be a freeze under way: the check above decides)
      echo "VM: no test started or ended for ${stall_limit}s (FFRTMP_VM_STALL_LIMIT), though each is bounded, while the guest runs: killing this boot" >&2
      why=97
      stalled
    fi
    if [ "$why" != 0 ]; then
      # qemu itself (timeout's child) with SIGKILL: a stopped or wedged emulator ignores less
      pkill -KILL -P "$qpid" 2>/dev/null
      kill -KILL "$qpid" 2>/dev/null
      wait "$qpid" 2>/dev/null
      wait "$tpid" 2>/dev/null
      kill "$mpid" 2>/dev/null
      return "$why"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  wait "$qpid"
  q=$?
  wait "$tpid" 2>/dev/null
  kill "$mpid" 2>/dev/null
  keep_syms
  return "$q"
}
tail_console() {
  echo "VM: $1; the console's last 80 lines (all of it: $console):" >&2
  tail -n 80 "$console" >&2
}
echo "VM: booting $pkg under qemu (tcg) for the $mode suite ${suite##*.}: ${test_timeout}s a test, ${timeout_s}s in all" >&2
set +e
boot
qrc=$?
if [ "$qrc" = 99 ] || [ "$qrc" = 98 ]; then
  [ "$qrc" = 98 ] && tail_console "the guest froze"
  echo "VM: booting again (once)" >&2
  boot
  qrc=$?
fi
set -e
if [ ! -f "$results/exit-code" ]; then
  case "$qrc" in
    124|137) why="the VM was stopped after ${timeout_s}s (FFRTMP_VM_TIMEOUT)" ;;
    97) why="the suite stopped progressing" ;;
    96) why="the guest ran out of processes" ;;
    98) why="the guest froze again" ;;
    99) why="the guest showed no sign of life again" ;;
    *) why="the VM ended (qemu status $qrc)" ;;
  esac
  tail_console "ERROR: $why without a result"
  exit 1
fi
rc=$(cat "$results/exit-code")
echo "VM: $mode suite finished with status $rc; JUnit XML in $results/reports*" >&2
if [ "$rc" != 0 ]; then
  tail_console "the $mode suite failed"
  exit 1
fi
