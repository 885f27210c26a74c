#!/bin/bash
# wshare across three emulated nodes (tests/nodes.sh: network namespaces, TCP between
# ranks) gives what plain mpirun on this one host gives: gen's file, every solver's weights
# (1e-12 relative; qr's /w byte for byte), predict's output, and a gd and a cg run stopped
# on 3 nodes and resumed on 2. The test places its own ranks (NRANKS is not used).
source "$(dirname "$0")/common.sh"
source "$TESTS_DIR/nodes_common.sh"
nodes_start 3

# the ranks really are on three hosts (the namespaces' own host names)
names=$(timeout 60 "$NODES_DIR/mpirun-nodes" -np 3 hostname | sort | tr '\n' ' ')
[ "$names" = "$(echo "$NODE_NAMES" | tr ' ' '\n' | sort | tr '\n' ' ')" ] ||
  fail "ranks ran on '$names', expected one on each of $NODE_NAMES"

# gen: the same file from the nodes and from one host
on_nodes 3 gen --out g.h5 --rows 20000 --cols 30 --groups 6 --unshared 0.2 --seed 11 >/dev/null
run 3 gen --out g-host.h5 --rows 20000 --cols 30 --groups 6 --unshared 0.2 --seed 11 >/dev/null
py "a, b = h5py.File('g.h5', 'r'), h5py.File('g-host.h5', 'r')
bad = [k for k in ('X', 'y', 'w_true', 'groups') if a[k][()].tobytes() != b[k][()].tobytes()]
print('datasets differ:', bad) if bad else None; sys.exit(1 if bad else 0)" ||
  fail "gen on the nodes and on one host wrote different data"

# every solver: nodes against host, and (both being the same code) against numpy
ARGS=(--data g.h5 --intercept --ridge 0.01 --rtol 1e-12 --quiet)
for s in gd agd cg qr cholesky auto; do
  on_nodes 3 solve "${ARGS[@]}" --solver "$s" --out "n-$s.h5" || fail "$s on 3 nodes"
  run 3 solve "${ARGS[@]}" --solver "$s" --out "h-$s.h5" || fail "$s on one host"
  tol=1e-12
  [ "$s" != qr ] || tol=0
  same_w "n-$s.h5" "h-$s.h5" "$tol" "$s"
  py "assert h5py.File('n-$s.h5', 'r').attrs['ranks'] == 3" || fail "$s: result says not 3 ranks"
  "$PYTHON" "$TESTS_DIR/reference.py" "n-$s.h5" g.h5 --intercept --ridge 0.01 --tol 1e-8 >/dev/null ||
    fail "$s on 3 nodes differs from numpy"
done

# 4 ranks, two of them on the head node with shared memory between them, TCP to the others
others=$(echo "${NODE_NAMES#* }" | tr ' ' ',')
NODES_BTL=tcp,vader,self on_nodes 4 --host "$HEAD_NODE:2,$others" -- \
  solve "${ARGS[@]}" --solver cg --out n4-cg.h5 || fail "cg on 4 ranks, 2 on one node"
run 4 solve "${ARGS[@]}" --solver cg --out h4-cg.h5
same_w n4-cg.h5 h4-cg.h5 1e-12 "cg, 4 ranks on 3 nodes"

# predict with the 3-node cholesky model
on_nodes 3 predict --model n-cholesky.h5 --data g.h5 --out n-pred.h5 --quiet || fail "predict on 3 nodes"
run 3 predict --model n-cholesky.h5 --data g.h5 --out h-pred.h5 --quiet
py "a, b = h5py.File('n-pred.h5', 'r'), h5py.File('h-pred.h5', 'r')
p, q = a['y_pred'][:], b['y_pred'][:]
d = abs(p - q).max() / abs(q).max(); e = abs(a.attrs['rmse'] - b.attrs['rmse']) / b.attrs['rmse']
ok = p.shape == q.shape and max(d, e) <= 1e-12; print('predict', d, e) if not ok else None
sys.exit(0 if ok else 1)" || fail "predict on 3 nodes differs from one host"

# restart: stopped at --max-iter on 3 nodes, resumed on 2 nodes, against an uninterrupted run
"$PYTHON" "$TESTS_DIR/make_illcond.py" p.h5 3001 24 10 3
RARGS=(--data p.h5 --rtol 1e-12 --intercept --quiet)
for s in gd cg; do
  run 3 solve "${RARGS[@]}" --solver "$s" --out "full-$s.h5"
  rm -rf ck
  rc=0
  on_nodes 3 -q -- solve "${RARGS[@]}" --solver "$s" --max-iter 8 --checkpoint-dir ck --out part.h5 || rc=$?
  [ "$rc" = 3 ] || fail "$s --max-iter 8 on 3 nodes: exit $rc, expected 3"
  on_nodes 2 solve "${RARGS[@]}" --solver "$s" --checkpoint-dir ck --restart auto --out "resumed-$s.h5" ||
    fail "$s resumed on 2 nodes"
  py "b = h5py.File('resumed-$s.h5', 'r')
assert b.attrs['ranks'] == 2 and len(b['history/loss']) == b.attrs['iterations'] > 8" ||
    fail "$s: the resumed run did not continue the 3-node run on 2 ranks"
  same_w "resumed-$s.h5" "full-$s.h5" 1e-12 "$s stopped on 3 nodes, resumed on 2"
done

# --sharing learn (not built yet): once it exists, run it here on 3 nodes and compare its
# learned sharing and weights with the one-host run, like the solvers above.
check_sharing_learn() {
  :
}
check_sharing_learn
