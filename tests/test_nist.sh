#!/bin/sh
# Accuracy of `wshare solve --solver qr` on the 11 NIST StRD linear
# least-squares datasets, judged by nist_check.py against certified values.
#
# usage: test_nist.sh WSHARE_BINARY NIST_DIR WORKDIR NRANKS
#
# Exit 0 all pass, 1 any fails, 77 (CTest skip) when NIST_DIR or a Python
# with numpy and h5py is missing. The NIST files are in tests/data/nist/
# (public-domain reference data); WSHARE_NIST_DIR points elsewhere. PYTHON,
# MPIEXEC and MPIEXEC_NUMPROC_FLAG override the interpreter and launcher.
# The table of minimum LREs goes to WORKDIR/nist-lre.md, and to stdout only
# when something fails (tests are silent on success).

if [ $# -ne 4 ]; then
    echo "usage: $0 WSHARE_BINARY NIST_DIR WORKDIR NRANKS" >&2
    exit 2
fi
WSHARE=$1 NIST_DIR=$2 WORKDIR=$3 NRANKS=$4
HERE=$(cd "$(dirname "$0")" && pwd)
DATASETS="Norris Pontius NoInt1 NoInt2 Filip Longley
          Wampler1 Wampler2 Wampler3 Wampler4 Wampler5"

if [ ! -d "$NIST_DIR" ]; then
    echo "SKIP: NIST data directory $NIST_DIR not found"
    exit 77
fi

# The first interpreter on PATH may lack numpy/h5py (e.g. a pyenv shim).
if [ -z "$PYTHON" ]; then
    for py in python3 /usr/bin/python3; do
        if "$py" -c 'import numpy, h5py' 2>/dev/null; then
            PYTHON=$py
            break
        fi
    done
fi
if [ -z "$PYTHON" ]; then
    echo "SKIP: no python3 with numpy and h5py (set PYTHON)"
    exit 77
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1
MPIEXEC=${MPIEXEC:-mpirun}
NUMPROC=${MPIEXEC_NUMPROC_FLAG:--n}
# --oversubscribe is Open MPI's; NRANKS may exceed the cores of a CI runner.
case $("$MPIEXEC" --version 2>&1) in
    *"Open MPI"*|*OpenRTE*) MPIEXEC_FLAGS=--oversubscribe ;;
    *) MPIEXEC_FLAGS= ;;
esac

mkdir -p "$WORKDIR" || exit 1
status=0
table=""
for name in $DATASETS; do
    data=$WORKDIR/nist-$name.h5
    result=$WORKDIR/nist-$name-result.h5
    if ! "$PYTHON" "$HERE/nist_to_h5.py" "$NIST_DIR/$name.dat" "$data"; then
        echo "FAIL: $name: cannot convert $NIST_DIR/$name.dat"
        status=1
        continue
    fi
    # Model flags come from the attributes nist_to_h5.py stored.
    read -r degree has_b0 <<EOF
$("$PYTHON" -c 'import sys, h5py
a = h5py.File(sys.argv[1], "r").attrs
print(int(a["poly_degree"]), int(a["intercept"]))' "$data")
EOF
    intercept=
    [ "$has_b0" = 1 ] && intercept=--intercept

    rm -f "$result"
    "$MPIEXEC" $MPIEXEC_FLAGS $NUMPROC "$NRANKS" "$WSHARE" solve --data "$data" \
        --solver qr --poly-degree "$degree" $intercept --sharing none \
        --out "$result" --quiet
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $name: wshare solve exited with status $rc"
        table="$table| $name | wshare failed | | | | | FAIL |
"
        status=1
        continue
    fi
    row=$("$PYTHON" "$HERE/nist_check.py" --min-lre-table "$result" "$data")
    rc=$?
    [ $rc -eq 0 ] || status=1
    # Failure details come first, the table row last (none on bad input).
    case $row in
        *"| $name |"*) echo "$row" | sed '$d'
                       table="$table$(echo "$row" | tail -n 1)
" ;;
        *) [ -n "$row" ] && echo "$row"
           table="$table| $name | check failed | | | | | FAIL |
" ;;
    esac
done

{
    echo "NIST StRD, wshare --solver qr on $NRANKS rank(s): minimum LRE (digits)"
    echo "| dataset | coefficients | required | std. dev. | residual SD | R² | |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    printf '%s' "$table"
} >"$WORKDIR/nist-lre.md"
[ $status -eq 0 ] || cat "$WORKDIR/nist-lre.md"
exit $status
