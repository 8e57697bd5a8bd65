#!/bin/sh
# Boots a throwaway cgroup v2 kernel under qemu (software emulation) and runs the cgroup v2
# integration suite (io.ffrtmp.cgroups.v2.CgroupV2VmSuite) inside it, against this build's
# real output, with the host's root file system shared read-only. Fails when any test fails.
#
# Run by `mvn verify` (ffrtmp-cgroups, integration-test phase; -Dffrtmp.vm.skip=true skips it)
# or by hand after `mvn -pl ffrtmp-cgroups -am verify -Dffrtmp.vm.skip=true`:
#   ffrtmp-cgroups/src/test/vm/run-v2-suite.sh
# Needs: qemu-system-x86 and busybox-static (Debian), apt-get download access for the kernel
# package. Without them it prints SKIPPED and exits 0, unless FFRTMP_VM_REQUIRED=1 (CI).
# Environment: FFRTMP_VM_TIMEOUT (seconds, default 900), FFRTMP_VM_KERNEL_PKG (a
# linux-image-*-amd64 package; default: what linux-image-amd64 depends on), FFRTMP_VM_METHOD
# (one test only, e.g. 'io.ffrtmp.cgroups.v2.CgroupV2VmSuite#name(org.junit.jupiter.api.TestInfo)').
set -eu
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../../.." && pwd)
vm="$module/target/vm"
timeout_s=${FFRTMP_VM_TIMEOUT:-900}

skip() {
  if [ "${FFRTMP_VM_REQUIRED:-0}" = 1 ]; then
    echo "ERROR: cgroup v2 VM suite cannot run: $1" >&2
    exit 1
  fi
  echo "SKIPPED: cgroup v2 VM suite: $1" >&2
  exit 0
}

[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host (found $(uname -m))"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || skip "busybox missing (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then skip "$busybox is dynamically linked (apt-get install busybox-static)"; fi
[ -f "$module/target/classes/io/ffrtmp/cgroups/v2/CgroupV2Strategy.class" ] || skip "build first: target/classes is missing"
[ -f "$vm/classpath.txt" ] || skip "build first: $vm/classpath.txt is missing (mvn verify writes it)"

mkdir -p "$vm"
# 1. The kernel, from Debian's package, unpacked without touching the host's /boot.
pkg=${FFRTMP_VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[^ ]*\)/\1/p' | head -1)}
[ -n "$pkg" ] || skip "cannot tell which linux-image package to use"
kdir="$vm/kernel-$pkg"
if [ ! -d "$kdir/boot" ]; then
  rm -rf "$kdir" "$vm/dl"
  mkdir -p "$vm/dl"
  (cd "$vm/dl" && apt-get download "$pkg" >/dev/null 2>&1) || skip "apt-get download $pkg failed"
  dpkg-deb -x "$vm"/dl/*.deb "$kdir"
  rm -rf "$vm/dl"
fi
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* | head -1)
kver=$(basename "$vmlinuz" | sed 's/^vmlinuz-//')
mods="$kdir/lib/modules/$kver/kernel"

# 2. A busybox initramfs whose init mounts the host's root over 9p and runs the suite.
rm -rf "$vm/initramfs" "$vm/results"
mkdir -p "$vm/initramfs/bin" "$vm/initramfs/modules" "$vm/results"
chmod 777 "$vm/results"
cp "$busybox" "$vm/initramfs/bin/busybox"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
    drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/netfs/netfs \
    fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
  f="$mods/$m.ko"
  if [ -f "$f" ]; then cp "$f" "$vm/initramfs/modules/"; fi
done
cp_file="$vm/classpath.txt"
if [ -n "${FFRTMP_VM_METHOD:-}" ]; then
  select="--select-method '$FFRTMP_VM_METHOD'"
else
  select="--select-class io.ffrtmp.cgroups.v2.CgroupV2VmSuite"
fi
cat > "$vm/initramfs/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /host /tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p; do
  [ -f /modules/\$m.ko ] && insmod /modules/\$m.ko 2>/dev/null
done
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /host || { echo "VM: cannot mount host root"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L results "/host$vm/results"
mount --bind /proc /host/proc
mount --bind /sys /host/sys
mount --bind /dev /host/dev
mount -t cgroup2 none /host/sys/fs/cgroup
# writable scratch space: /run always (the JVM's java.io.tmpdir); /tmp too unless the project
# itself lives under /tmp (a clone in /tmp must stay visible)
mount -t tmpfs tmpfs /host/run
case "$module" in /tmp/*) ;; *) mount -t tmpfs tmpfs /host/tmp ;; esac
echo "VM: kernel \$(uname -r), cgroup controllers: \$(cat /host/sys/fs/cgroup/cgroup.controllers)"
chroot /host /bin/sh "$vm/inside.sh"
sync
poweroff -f
INIT
chmod 755 "$vm/initramfs/init"
cat > "$vm/inside.sh" <<INSIDE
#!/bin/sh
cd "$module"
export HOME=/run TMPDIR=/run PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cp="$module/target/test-classes:$module/target/classes:\$(cat "$cp_file")"
"${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}/bin/java" \
  -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
  -Djava.io.tmpdir=/run -Dffrtmp.state=/run/ffrtmp-state \
  -cp "\$cp" org.junit.platform.console.ConsoleLauncher execute \
  --disable-banner --details=tree --disable-ansi-colors \
  $select \
  --reports-dir "$vm/results/reports"
echo \$? > "$vm/results/exit-code"
INSIDE
(cd "$vm/initramfs" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$vm/initrd.gz")

# 3. Boot. KVM guests hang on these machines; TCG works (about 10-30x slower JVM work).
echo "VM: booting $pkg under qemu (tcg) for the cgroup v2 suite, timeout ${timeout_s}s" >&2
set +e
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 \
  -nographic -no-reboot -monitor none -serial stdio \
  -kernel "$vmlinuz" -initrd "$vm/initrd.gz" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1 init=/init" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$vm/results",mount_tag=results,security_model=none </dev/null
qrc=$?
set -e
if [ ! -f "$vm/results/exit-code" ]; then
  echo "ERROR: the VM ended (qemu status $qrc) without a result" >&2
  exit 1
fi
rc=$(cat "$vm/results/exit-code")
echo "VM: cgroup v2 suite finished with status $rc; JUnit XML in $vm/results/reports" >&2
[ "$rc" = 0 ]
