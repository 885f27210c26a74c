#!/bin/bash
# The default configuration builds for any x86-64 machine: no -march=native unless
# WSHARE_NATIVE=ON asks for it (a binary built on a login node must run on compute nodes).
# usage: test_build_defaults.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cmake -S "$src" -B "$work/default" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
! grep -rq --include=flags.make -- "-march=native" "$work/default" ||
  { echo "FAIL: the default build compiles with -march=native" >&2; exit 1; }
cmake -S "$src" -B "$work/native" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DWSHARE_NATIVE=ON >/dev/null
grep -rq --include=flags.make -- "-march=native" "$work/native" ||
  { echo "FAIL: WSHARE_NATIVE=ON does not add -march=native" >&2; exit 1; }
