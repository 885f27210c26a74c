# Sourced by scripts/demo and scripts/test: installs what is missing (as root, from
# Debian's packages) and configures and builds wshare into build/.
set -euo pipefail
WSHARE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WSHARE_BUILD=${WSHARE_BUILD:-$WSHARE_ROOT/build}
WSHARE_PACKAGES=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
  libinih-dev python3-numpy python3-h5py python3-scipy python3-matplotlib python3-netcdf4
  python3-tables)

# ensure_packages PKG...: installs those not yet installed.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "wshare: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  echo "wshare: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The python3 the tests use: Debian's, where apt-get put numpy, h5py and matplotlib (a
# python3 found first on PATH, e.g. from pyenv, may lack them).
test_python() {
  local py
  for py in "$(command -v python3 || true)" /usr/bin/python3; do
    [ -n "$py" ] && "$py" -c 'import numpy, h5py, matplotlib' 2>/dev/null && { echo "$py"; return; }
  done
  echo python3
}

ensure_build() {
  cmake -S "$WSHARE_ROOT" -B "$WSHARE_BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DPython3_EXECUTABLE="$(test_python)" "$@" >/dev/null
  cmake --build "$WSHARE_BUILD" -j "$(nproc)" >/dev/null
}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
