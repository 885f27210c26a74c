#!/usr/bin/python3
"""Writes the input files of test_inputs.sh with real writers (h5py, netCDF4, PyTables):
the same values in many storages, and for each set of values a plain contiguous copy in
the memory type wshare holds them in (float32 for float32, float16, int8 and uint16 data;
float64 otherwise), with y as float64.

usage: make_inputs.py DIR    (prints one line per file: NAME PLAIN METHOD LAYOUT)
NAME is solved and compared with PLAIN; METHOD is how rank 0 must read X ("mapped",
"decoded" or "hdf5"); LAYOUT is rows or columns.
"""
import os
import sys

import h5py
import netCDF4
import numpy as np
import tables

M, N = 301, 10  # odd row count: chunks straddle the rank boundaries at 2 and 4 ranks
GROUPS = np.array([0, 0, 1, -1, 2, 2, 2, -1, 1, 3], dtype=np.int64)


def values(rng, kind):
    """(X, y) of one set of values; X as the stored type."""
    if kind == "f64":
        X = rng.standard_normal((M, N))
        X[20:60] = 0.0  # two chunks of a_holes left unwritten (fill value 0), in rank 0's rows
    elif kind == "f32":
        X = rng.standard_normal((M, N)).astype(np.float32)
    elif kind == "f16":
        X = rng.uniform(-4, 4, (M, N)).astype(np.float16)
    elif kind == "i8":  # one-hot of 4 categories, then small integers
        X = np.zeros((M, N), dtype=np.int8)
        X[np.arange(M), rng.integers(0, 4, M)] = 1
        X[:, 4:] = rng.integers(-5, 6, (M, N - 4))
    elif kind == "u16":
        X = rng.integers(0, 60000, (M, N)).astype(np.uint16)
    else:  # i64
        X = rng.integers(-1000, 1000, (M, N)).astype(np.int64)
    w = rng.standard_normal(N)
    y = X.astype(np.float64) @ w + 0.1 * rng.standard_normal(M)
    return X, y


def memory_type(X):
    return np.float32 if X.dtype in (np.float32, np.float16, np.int8, np.uint16) else np.float64


def write_h5(path, X, y, groups=True, **kw):
    """X with h5py's dataset options kw (dtype= for the stored type); y as float64."""
    dtype = kw.pop("dtype", X.dtype)
    ydt = kw.pop("ydtype", np.float64)
    ykw = {k: v for k, v in kw.items() if k in ("compression", "compression_opts", "shuffle")}
    with h5py.File(path, "w") as f:
        if kw.pop("holes", False):  # rows 20..59 never written: chunks left unallocated
            d = f.create_dataset("X", shape=X.shape, dtype=dtype, fillvalue=0, **kw)
            d[:20] = X[:20]
            d[60:] = X[60:]
        else:
            f.create_dataset("X", data=X.astype(dtype), **kw)
        f.create_dataset("y", data=y.astype(ydt), chunks=(64,) if ykw else None, **ykw)
        if groups:
            f["groups"] = GROUPS


def write_compact(path, X, y):
    """X in compact storage (inside its object header), through h5py's low-level API."""
    with h5py.File(path, "w") as f:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple(X.shape)
        d = h5py.h5d.create(f.id, b"X", h5py.h5t.IEEE_F64LE, space, dcpl=dcpl)
        d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(X, dtype="<f8"))
        f["y"] = y
        f["groups"] = GROUPS


def write_transposed(path, X, y, **kw):
    """X stored n x m and y 1 x m, as a column-major writer (MATLAB v7.3) stores them."""
    with h5py.File(path, "w") as f:
        f.create_dataset("X", data=np.ascontiguousarray(X.T), **kw)
        f.create_dataset("y", data=y.reshape(1, M))
        f["groups"] = GROUPS


def write_netcdf(path, X, y):
    """netCDF4: X(row, col) and y(row) with an unlimited row dimension, zlib."""
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("row", None)
        nc.createDimension("col", N)
        vx = nc.createVariable("X", "f8", ("row", "col"), zlib=True, complevel=4,
                               chunksizes=(37, N))
        vy = nc.createVariable("y", "f8", ("row",), zlib=True)
        vg = nc.createVariable("groups", "i8", ("col",))
        for r0 in range(0, M, 100):  # appended in pieces, as a logger would
            r1 = min(M, r0 + 100)
            vx[r0:r1, :] = X[r0:r1]
            vy[r0:r1] = y[r0:r1]
        vg[:] = GROUPS


def write_tables(path, X, y, extendable):
    """PyTables: X as a CArray (zlib + shuffle, 23 x 4 chunks) or an EArray appended in
    pieces (17-row chunks, zlib)."""
    with tables.open_file(path, "w") as f:
        if extendable:
            filters = tables.Filters(complevel=3, complib="zlib")
            ea = f.create_earray("/", "X", atom=tables.Float64Atom(), shape=(0, N),
                                 chunkshape=(17, N), filters=filters)
            for r0 in range(0, M, 50):
                ea.append(X[r0:r0 + 50])
        else:
            filters = tables.Filters(complevel=5, complib="zlib", shuffle=True)
            f.create_carray("/", "X", obj=X, chunkshape=(23, 4), filters=filters)
        f.create_array("/", "y", obj=y)
        f.create_array("/", "groups", obj=GROUPS)


def main():
    out = sys.argv[1]
    os.chdir(out)
    rng = np.random.default_rng(20261201)
    sets = {k: values(rng, k) for k in ("f64", "f32", "f16", "i8", "u16", "i64")}
    # y stored as int16 (d_i8) and as float32 (e_u16): values those types hold exactly
    sets["i8"] = (sets["i8"][0], np.round(100 * sets["i8"][1]))
    sets["u16"] = (sets["u16"][0], sets["u16"][1].astype(np.float32).astype(np.float64))
    for k, (X, y) in sets.items():
        write_h5(f"plain_{k}.h5", X.astype(memory_type(X)), y)
    X, y = sets["f64"]
    files = []

    def add(name, plain, method, layout="rows"):
        files.append((name, plain, method, layout))

    write_h5("a_gzip.h5", X, y, chunks=(50, N), compression="gzip", compression_opts=4)
    add("a_gzip.h5", "plain_f64.h5", "decoded")
    write_h5("a_odd.h5", X, y, chunks=(7, 3))  # chunks split the columns; edge chunks
    add("a_odd.h5", "plain_f64.h5", "decoded")
    write_h5("a_oddgz.h5", X, y, chunks=(7, 3), compression="gzip")
    add("a_oddgz.h5", "plain_f64.h5", "decoded")
    write_h5("a_whole.h5", X, y, chunks=(40, N))  # unfiltered whole-row chunks: mapped
    add("a_whole.h5", "plain_f64.h5", "mapped")
    write_h5("a_be.h5", X, y, dtype=">f8")
    add("a_be.h5", "plain_f64.h5", "hdf5")
    write_h5("a_begz.h5", X, y, dtype=">f8", chunks=(32, 4), shuffle=True, compression="gzip")
    add("a_begz.h5", "plain_f64.h5", "decoded")
    write_h5("a_fl32.h5", X, y, chunks=(25, N), compression="gzip", fletcher32=True)
    add("a_fl32.h5", "plain_f64.h5", "hdf5")
    write_h5("a_holes.h5", X, y, chunks=(20, N), compression="gzip", holes=True)
    add("a_holes.h5", "plain_f64.h5", "hdf5")
    write_compact("a_compact.h5", X, y)
    add("a_compact.h5", "plain_f64.h5", "hdf5")
    write_netcdf("a_nc.nc", X, y)
    add("a_nc.nc", "plain_f64.h5", "decoded")
    write_tables("a_carray.h5", X, y, extendable=False)
    add("a_carray.h5", "plain_f64.h5", "decoded")
    write_tables("a_earray.h5", X, y, extendable=True)
    add("a_earray.h5", "plain_f64.h5", "decoded")
    write_transposed("a_cols.h5", X, y)
    add("a_cols.h5", "plain_f64.h5", "hdf5", "columns")
    write_transposed("a_colsgz.h5", X, y, chunks=(3, 50), compression="gzip")
    add("a_colsgz.h5", "plain_f64.h5", "decoded", "columns")

    X, y = sets["f32"]
    write_h5("b_shufgz.h5", X, y, chunks=(64, N), shuffle=True, compression="gzip")
    add("b_shufgz.h5", "plain_f32.h5", "decoded")
    write_transposed("b_cols.h5", X, y, chunks=(4, 64))
    add("b_cols.h5", "plain_f32.h5", "decoded", "columns")
    X, y = sets["f16"]
    write_h5("c_f16.h5", X, y, chunks=(16, 5), compression="gzip")
    add("c_f16.h5", "plain_f16.h5", "decoded")
    X, y = sets["i8"]
    write_h5("d_i8.h5", X, y, chunks=(32, N), compression="gzip", ydtype=np.int16)
    add("d_i8.h5", "plain_i8.h5", "decoded")
    write_h5("d_i8c.h5", X, y)
    add("d_i8c.h5", "plain_i8.h5", "hdf5")
    X, y = sets["u16"]
    write_h5("e_u16.h5", X, y, chunks=(13, N), ydtype=np.float32)
    add("e_u16.h5", "plain_u16.h5", "decoded")
    X, y = sets["i64"]
    write_h5("f_i64.h5", X, y, dtype=">i8")
    add("f_i64.h5", "plain_i64.h5", "hdf5")
    for row in files:
        print(*row)


if __name__ == "__main__":
    sys.exit(main())
