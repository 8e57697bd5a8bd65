#!/bin/sh
# Builds the launch shim for this machine's architecture and, with a cross compiler, for the
# other first-class one (x86-64 <-> arm64), so that one jar runs on both:
#   build-shims.sh <out-dir> <cc> <cross: required|optional> <source>
# Both are static and freestanding (no libc): nothing of the build machine leaks into them.
set -eu
out=$1 cc=$2 cross=$3 src=$4
mkdir -p "$out"
free="-nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie -fno-asynchronous-unwind-tables"
build() { # <compiler> <arch> <flags>
  "$1" -static -Os -s -Wall -Wextra -Werror $3 -o "$out/ffrtmp-shim-$2" "$src"
}
case "$(uname -m)" in
  x86_64) build "$cc" x86_64 "$free"; other=aarch64; occ=aarch64-linux-gnu-gcc ;;
  aarch64) build "$cc" aarch64 "$free"; other=x86_64; occ=x86_64-linux-gnu-gcc ;;
  *) build "$cc" "$(uname -m)" ""; other=; occ= ;;
esac
if [ -n "$other" ]; then
  if command -v "$occ" >/dev/null 2>&1; then
    build "$occ" "$other" "$free"
  elif [ "$cross" = required ]; then
    echo "ERROR: $occ not found: the jar must carry the $other launch shim too" \
      "(Debian: apt-get install $(echo "gcc-$occ" | sed "s/-gcc$//; s/gcc-x86_64/gcc-x86-64/"); for a build for this" \
      "architecture only: -Dffrtmp.shim.cross=optional)" >&2
    exit 1
  else
    echo "WARNING: $occ not found: this jar carries no $other launch shim" >&2
  fi
fi
