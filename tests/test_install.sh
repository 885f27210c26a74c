#!/bin/bash
# cmake --install into a temporary prefix: the installed tree has the binary, libwshare
# shared and static, the headers, the CMake package, wshare.pc, the man page and the bash
# completion; a program outside the tree (tests/install/consumer.c) builds against it with
# find_package(wshare) (shared and static) and with pkg-config, and its answers on NRANKS
# ranks equal numpy's solution of the tied problem.
# Arguments: the build directory, the consumer's source directory.
source "$(dirname "$0")/common.sh"
BUILD=$1 CONSUMER=$2
PREFIX=$WORK/prefix
cmake --install "$BUILD" --prefix "$PREFIX" >install.log 2>&1 || { cat install.log >&2; fail "cmake --install"; }
for f in bin/wshare lib/libwshare.so lib/libwshare.a include/wshare/wshare.h include/wshare/solver.h \
  lib/cmake/wshare/wshareConfig.cmake lib/cmake/wshare/wshareConfigVersion.cmake \
  lib/pkgconfig/wshare.pc share/man/man1/wshare.1 share/bash-completion/completions/wshare; do
  [ -e "$PREFIX/$f" ] || fail "not installed: $f"
done
[ "$("$PREFIX/bin/wshare" --version)" = "$("$WSHARE" --version)" ] || fail "installed wshare --version"

# 60 x 7 with groups {0,1}, {2,5}, two unshared, {4} alone; y with noise and an intercept.
py "rng = np.random.default_rng(3); X = rng.standard_normal((60, 7))
g = np.array([0, 0, 1, -1, 2, 1, -1]); w = np.array([1.5, 1.5, -2, 0.5, 3, -2, 0.25])
f = h5py.File('data.h5', 'w'); f['X'] = X; f['y'] = X @ w + 4 + 0.1 * rng.standard_normal(60)
f['groups'] = g"
# numpy: least squares on the tied columns plus a column of ones.
check() {
  py "d = h5py.File('data.h5'); X, y, g = d['X'][:], d['y'][:], d['groups'][:]
ids = sorted(set(g[g >= 0])); cols = [(g == i).astype(float) for i in ids]
cols += [np.eye(len(g))[j] for j in np.where(g == -1)[0]]
S = np.array(cols).T; Z = np.hstack([X @ S, np.ones((len(y), 1))])
u = np.linalg.lstsq(Z, y, rcond=None)[0]; ref = np.append(S @ u[:-1], u[-1])
got = np.loadtxt('$1')
assert got.shape == ref.shape, (got.shape, ref.shape)
err = np.abs(got - ref).max() / np.abs(ref).max()
assert err <= 1e-9, err" || fail "$1: answer differs from numpy"
}

cmake -S "$CONSUMER" -B cmake-build -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
  >cmake.log 2>&1 || { cat cmake.log >&2; fail "configure with find_package(wshare)"; }
cmake --build cmake-build >>cmake.log 2>&1 || { cat cmake.log >&2; fail "build with find_package(wshare)"; }
# The shared one must use the installed library, not the build tree's.
grep -q "$PREFIX/lib/libwshare.so" <<<"$(ldd cmake-build/consumer)" || fail "consumer does not load $PREFIX/lib/libwshare.so"
for solver in qr cg; do
  launch "$NRANKS" cmake-build/consumer data.h5 "r-$solver.h5" "$solver" >"w-cmake-$solver.txt" ||
    fail "consumer (CMake, $solver)"
  check "w-cmake-$solver.txt"
done
launch "$NRANKS" cmake-build/consumer_static data.h5 r-static.h5 auto >w-static.txt || fail "consumer_static"
check w-static.txt

export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
[ "$(pkg-config --modversion wshare)" = "$("$WSHARE" --version | cut -d' ' -f2)" ] || fail "wshare.pc version"
# shellcheck disable=SC2046 # the flags are word lists
cc -std=c11 -o consumer-pc "$CONSUMER/consumer.c" $(pkg-config --cflags --libs wshare) \
  -Wl,-rpath,"$(pkg-config --variable=libdir wshare)" 2>pc.log || { cat pc.log >&2; fail "build with pkg-config"; }
launch "$NRANKS" ./consumer-pc data.h5 r-pc.h5 cholesky >w-pc.txt || fail "consumer (pkg-config)"
check w-pc.txt
