"""Saving, opening and streaming recordings (netCDF or zarr, chosen by the path's suffix).

A recording is the ``xarray.Dataset`` described in docs/recording_schema.md. Two formats:

- ``.nc``: one netCDF-4 file written with h5netcdf, every numeric variable zlib-compressed. The
  format for finished runs: one file, readable by any netCDF tool.
- ``.zarr``: a zarr (format 3) directory store. The format for streaming: :class:`StreamWriter`
  appends one chunk of a long run at a time, so a crash leaves every completed chunk readable.

:func:`open_recording` returns a Dataset equal to the one saved: same variables, coordinates,
dtypes (booleans, fixed-width unicode strings, int64 ticks) and attributes.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

__all__ = ["save", "open_recording", "StreamWriter", "APPEND_DIMS", "RecordingError"]


class RecordingError(ValueError):
    """A file or store is not a readable recording; the message names it."""


#: Dimensions that grow while a run streams; every other dimension is fixed at the first chunk.
APPEND_DIMS = ("step", "snapshot", "completed_episode", "eval_step")

_SUFFIXES = {".nc": "netcdf", ".zarr": "zarr"}

# Storage chunk length along each growing dimension of a streamed store. Chunk files are written
# atomically by zarr's local store, so these only trade file count against rewrite cost; `step`
# uses the length of the first chunk handed to the writer, so full chunks map onto whole files.
_STREAM_CHUNK = {"snapshot": 1, "completed_episode": 4096, "eval_step": 256}


def _format(path: Path) -> str:
    try:
        return _SUFFIXES[path.suffix]
    except KeyError:
        raise ValueError(
            f"unknown recording suffix {path.suffix!r} in {str(path)!r}: "
            "use '.nc' (netCDF) or '.zarr' (zarr)"
        ) from None


# Root attribute of the stores written here: every chunk of every array is stored, even one
# equal to the fill value (which zarr omits by default), so a missing chunk file is a lost one.
# open_recording removes it from the attributes it returns.
_EVERY_CHUNK = "_bioRTRRL_every_chunk_stored"


@contextlib.contextmanager
def _zarr_context() -> Iterator[None]:
    # Consolidated metadata is what makes streamed stores crash-safe (see StreamWriter); zarr
    # warns on every use that it is not yet part of the v3 specification.
    with warnings.catch_warnings(), zarr.config.set({"array.write_empty_chunks": True}):
        warnings.filterwarnings("ignore", message="Consolidated metadata is currently not part")
        yield


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def _is_text(var: xr.Variable) -> bool:
    # Checks the dtype before the values, so lazily opened numeric variables stay unloaded.
    if var.dtype.kind in "UT":
        return True
    return var.dtype.kind == "O" and var.size > 0 and all(isinstance(v, str) for v in var.values.flat)


def _map_text(ds: xr.Dataset, dtype) -> xr.Dataset:
    """``ds`` with every string-valued variable and coordinate cast to ``dtype``."""
    # Through object: NumPy cannot cast its variable-width StringDType to fixed width directly.
    changed = {
        name: xr.Variable(var.dims, var.values.astype(object).astype(dtype), var.attrs)
        for name, var in ds.variables.items()
        if var.dtype != np.dtype(dtype) and _is_text(var)
    }
    return ds.assign_coords({k: v for k, v in changed.items() if k in ds.coords}).assign(
        {k: v for k, v in changed.items() if k not in ds.coords}
    )


def _for_zarr(ds: xr.Dataset) -> xr.Dataset:
    # Zarr v3 has a specified variable-length string type but only an unstable fixed-width one:
    # store text as variable-length (object), read it back as fixed-width unicode.
    return _map_text(ds.drop_encoding(), object)


def save(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write a recording to ``path``; the suffix chooses the format.

    Parameters
    ----------
    ds : xarray.Dataset
        A recording (docs/recording_schema.md) or any Dataset derived from one.
    path : str or path-like
        ``*.nc`` writes a compressed netCDF-4 file (h5netcdf, zlib level 4 on every numeric
        variable); ``*.zarr`` writes a zarr directory store with consolidated metadata. An existing
        file or store at ``path`` is replaced; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If the suffix is neither ``.nc`` nor ``.zarr``.
    """
    path = Path(path)
    fmt = _format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = ds.drop_encoding()
    if fmt == "netcdf":
        # Scalars cannot be chunked, hence cannot be filtered, in HDF5; text is not compressible
        # through h5netcdf's variable-length string type.
        encoding = {
            name: {"zlib": True, "complevel": 4}
            for name, var in ds.variables.items()
            if var.ndim > 0 and not _is_text(var)
        }
        ds.to_netcdf(path, engine="h5netcdf", encoding=encoding)
    else:
        ds = _for_zarr(ds)
        ds.attrs[_EVERY_CHUNK] = 1
        with _zarr_context():
            ds.to_zarr(path, mode="w", consolidated=True)
    return path


def open_recording(path: str | os.PathLike, load: bool = False) -> xr.Dataset:
    """Open a recording written by :func:`save` or :class:`StreamWriter`.

    Parameters
    ----------
    path : str or path-like
        A ``*.nc`` file or a ``*.zarr`` store.
    load : bool
        Read every variable into memory now.

    Returns
    -------
    xarray.Dataset
        The recording, read lazily unless ``load``: each variable is loaded on first access. For
        a store that is still being streamed or whose run crashed, the Dataset holds every chunk
        completed so far and ``attrs["finished"] == 0``. A variable of a zarr store with chunk
        files missing, or one that cannot be read (found with ``load``), is left out with a
        ``RuntimeWarning`` naming it: nothing missing is read back as fill values.

    Raises
    ------
    ValueError
        If the suffix is neither ``.nc`` nor ``.zarr``.
    FileNotFoundError
        If nothing exists at ``path``.
    RecordingError
        If ``path`` is not a readable netCDF file or zarr store (empty, truncated, not netCDF, a
        folder named ``*.nc``, a store without its metadata...).
    """
    path = Path(path)
    fmt = _format(path)
    if not path.exists():
        raise FileNotFoundError(f"no recording at {str(path)!r}")
    kind = "netCDF file" if fmt == "netcdf" else "zarr store"
    if fmt == "netcdf" and path.is_dir():
        raise RecordingError(f"{path}: a folder, not a netCDF file")
    if fmt == "zarr" and not path.is_dir():
        raise RecordingError(f"{path}: a file, not a zarr store (which is a folder)")
    if path.is_file() and path.stat().st_size == 0:
        raise RecordingError(f"{path}: empty (0 bytes), not a {kind}")
    try:
        if fmt == "netcdf":
            ds = xr.open_dataset(path, engine="h5netcdf")
        else:
            ds = _open_zarr(path)
    except Exception as exc:  # noqa: BLE001  whatever the reader trips on, the file is unreadable
        raise RecordingError(f"{path}: not a readable {kind} ({_one_line(exc)})") from None
    if load:
        ds = _drop(ds, path, _unreadable(ds))
    return _map_text(ds, str)


def _open_zarr(path: Path) -> xr.Dataset:
    """The store as a Dataset, without the variables whose chunk files are missing."""
    with _zarr_context():
        # The consolidated metadata is the commit record of a streamed store: it lists the
        # array shapes as of the last completed chunk, so a chunk cut off mid-write is not seen.
        try:
            ds = xr.open_zarr(path, consolidated=True, chunks=None)
            consolidated = True
        except ValueError:  # a store written without consolidated metadata (not by bioRTRRL)
            ds = xr.open_zarr(path, consolidated=False, chunks=None)
            consolidated = False
        group = zarr.open_group(str(path), mode="r", use_consolidated=consolidated)
    # Without the marker a chunk equal to the fill value may have been left out on purpose; that
    # is told apart only where the fill value is NaN, which no recorded quantity takes.
    every_chunk = bool(ds.attrs.pop(_EVERY_CHUNK, 0))
    missing = {}
    for name in ds.variables:
        array = group[name]
        if not (every_chunk or array.dtype.kind == "f"):
            continue
        keys = [array.metadata.encode_chunk_key(c) for c in np.ndindex(*array.cdata_shape)]
        lost = sum(not (path / name / k).is_file() for k in keys)
        if lost:
            missing[name] = f"{lost} of {len(keys)} chunk files missing"
    return _drop(ds, path, missing)


def _unreadable(ds: xr.Dataset) -> dict[str, str]:
    """Load every variable of ``ds`` in place; the reason each one that fails could not be read."""
    failed = {}
    for name, var in ds.variables.items():
        try:
            var.load()
        except Exception as exc:  # noqa: BLE001  a corrupt chunk fails in the codec, whichever
            failed[name] = _one_line(exc)
    return failed


def _drop(ds: xr.Dataset, path: Path, problems: dict[str, str]) -> xr.Dataset:
    if not problems:
        return ds
    detail = "; ".join(f"{name}: {why}" for name, why in problems.items())
    warnings.warn(f"{path}: {sorted(problems)} cannot be read ({detail}); opened without them",
                  RuntimeWarning, stacklevel=3)
    return ds.drop_vars(list(problems))


def _to_attr(value):
    # zarr stores attributes as JSON: NumPy scalars become plain Python numbers.
    return value.item() if isinstance(value, np.generic) else value


def _subset(ds: xr.Dataset, names) -> xr.Dataset:
    """The variables and coordinates ``names`` of ``ds``, nothing else, no attributes."""
    names = list(names)
    part = ds[names]
    part = part.drop_vars([n for n in part.variables if n not in names])
    part.attrs = {}
    return part


def _growing_dim(name: str, var: xr.Variable) -> str | None:
    """The dimension of :data:`APPEND_DIMS` along which ``var`` grows, if any."""
    dims = [d for d in var.dims if d in APPEND_DIMS]
    if len(dims) > 1:
        raise ValueError(f"variable {name!r} has more than one growing dimension {dims}; cannot stream it")
    # Appends write raw values: exact for the numbers and booleans of the schema, which xarray
    # stores unencoded; other types would need xarray's encoding.
    if dims and var.dtype.kind not in "biuf":
        raise ValueError(
            f"cannot stream {name!r} of dtype {var.dtype} along {dims[0]!r}: only numbers and booleans grow"
        )
    return dims[0] if dims else None


class StreamWriter:
    """Append a run's recording to a zarr store chunk by chunk, crash-safely.

    Every variable with a dimension in :data:`APPEND_DIMS` (``step``, ``snapshot``,
    ``completed_episode``, ``eval_step``) grows along it with each chunk; every other variable
    (neuron labels, feedback matrices, ...) is written once, by the first chunk that holds it.

    Each :meth:`append` first writes the data, then re-consolidates the store's metadata in one
    atomic file write; :func:`open_recording` reads array shapes from that consolidated record.
    A process killed mid-append therefore leaves a store that opens with exactly the chunks
    completed before it. ``attrs["finished"]`` is 0 from the first append until
    :meth:`close` with ``finished=True``.

    Parameters
    ----------
    path : str or path-like
        A ``*.zarr`` path where nothing exists yet: a writer never replaces a recording (delete
        an earlier one first if it is to go).

    Raises
    ------
    FileExistsError
        If something exists at ``path``.

    Examples
    --------
    >>> w = StreamWriter("run.zarr")                        # doctest: +SKIP
    >>> for chunk in chunks:                                # doctest: +SKIP
    ...     w.append(chunk)
    >>> w.close(finished=True)                              # doctest: +SKIP

    As a context manager, an exception closes the store unfinished and records the error:

    >>> with StreamWriter("run.zarr") as w:                 # doctest: +SKIP
    ...     w.append(chunk)
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if _format(self.path) != "zarr":
            raise ValueError(
                f"StreamWriter writes zarr stores: expected a '.zarr' path, got {str(self.path)!r}"
            )
        if self.path.exists():
            raise FileExistsError(f"{self.path} already exists; a stream never replaces a recording: "
                                  "delete it or stream to another path")
        self._pending_attrs: dict = {}
        self._stored: set[str] = set()  # variables and coordinates in the store
        self._growing: dict[str, list[str]] = {}  # stored names along each growing dimension
        self._sizes: dict[str, int] = {}  # committed length of each growing dimension
        self._arrays: dict[str, zarr.Array] = {}  # open handles of the growing arrays
        self._step_chunk = 1
        self._started = False
        self._closed = False

    def append(self, chunk: xr.Dataset) -> None:
        """Append one chunk of a run.

        Parameters
        ----------
        chunk : xarray.Dataset
            The recording of consecutive ticks plus the snapshots, completed episodes and
            evaluations that fell in them. A chunk may lack a growing dimension, or have length 0
            along it; when it has entries along one, it must hold every variable already stored
            along it. A growing variable may first appear in a later chunk only if its dimension
            is still empty. The attributes of later chunks are ignored: use :meth:`set_attrs`.
        """
        if self._closed:
            raise ValueError(f"StreamWriter for {str(self.path)!r} is closed")
        chunk = _for_zarr(chunk)
        self._check(chunk)
        with _zarr_context():
            if not self._started:
                self._step_chunk = max(1, chunk.sizes.get("step", 1))
                ds = chunk.copy()
                attrs = {**chunk.attrs, **self._pending_attrs, "finished": 0, _EVERY_CHUNK: 1}
                ds.attrs = {k: _to_attr(v) for k, v in attrs.items()}
                ds.to_zarr(self.path, mode="w", consolidated=True, encoding=self._encoding(ds), zarr_format=3)
                self._register(chunk)
                self._started = True
                return
            self._add_new_variables(chunk)
            for dim in self._growing:
                self._extend(chunk, dim)
            # The commit: one atomic rewrite of the root metadata with the new shapes.
            zarr.consolidate_metadata(str(self.path))

    def _check(self, chunk: xr.Dataset) -> None:
        """Refuse a chunk that cannot be appended, before anything is written."""
        for name, var in chunk.variables.items():
            dim = _growing_dim(name, var)
            if name not in self._stored and dim is not None and self._sizes.get(dim, 0):
                raise ValueError(
                    f"{name!r} first appears in a later chunk, but {dim!r} already holds "
                    f"{self._sizes[dim]} entries without it"
                )
        for dim, names in self._growing.items():
            missing = [n for n in names if n not in chunk.variables]
            if chunk.sizes.get(dim, 0) and missing:
                raise ValueError(f"chunk has {chunk.sizes[dim]} entries along {dim!r} but lacks {missing}")

    def _encoding(self, ds: xr.Dataset) -> dict:
        def chunk_length(dim, size):
            if dim == "step":
                return self._step_chunk
            return _STREAM_CHUNK.get(dim, max(1, size))

        return {
            name: {"chunks": tuple(chunk_length(d, n) for d, n in zip(var.dims, var.shape))}
            for name, var in ds.variables.items()
        }

    def _register(self, ds: xr.Dataset) -> None:
        group = zarr.open_group(str(self.path), mode="r+", use_consolidated=False)
        for name, var in ds.variables.items():
            self._stored.add(name)
            dim = _growing_dim(name, var)
            if dim is None:
                continue
            self._growing.setdefault(dim, []).append(name)
            self._sizes.setdefault(dim, var.sizes[dim])
            self._arrays[name] = group[name]

    def _add_new_variables(self, chunk: xr.Dataset) -> None:
        """Create the variables the store does not hold yet, growing ones at length 0."""
        new = [n for n in chunk.variables if n not in self._stored]
        if not new:
            return
        part = _subset(chunk, new)
        part = part.isel({d: slice(0, 0) for d in part.dims if d in APPEND_DIMS})
        # Writing a dataset replaces the root attributes: carry the current ones over. Opening
        # through the consolidated record keeps that record in the rewritten root metadata.
        part.attrs = zarr.open_group(str(self.path), mode="r", use_consolidated=True).attrs.asdict()
        part.to_zarr(self.path, mode="a", consolidated=True, encoding=self._encoding(part))
        self._register(part)

    def _extend(self, chunk: xr.Dataset, dim: str) -> None:
        n_new = chunk.sizes.get(dim, 0)
        if n_new == 0:
            return
        names = self._growing[dim]
        start = self._sizes[dim]
        # Grow each array (its own metadata) and fill the new region; none of this is visible to
        # readers until the metadata is consolidated.
        for name in names:
            array = self._arrays[name]
            dims = list(array.metadata.dimension_names)
            shape = list(array.shape)
            shape[dims.index(dim)] = start + n_new
            array.resize(tuple(shape))
            region = tuple(slice(start, start + n_new) if d == dim else slice(None) for d in dims)
            array[region] = chunk[name].transpose(*dims).values
        self._sizes[dim] = start + n_new

    def set_attrs(self, **attrs) -> None:
        """Set (or overwrite) attributes of the recording, e.g. ``error="..."``.

        Before the first :meth:`append` the attributes are kept and written with the first chunk.
        """
        attrs = {k: _to_attr(v) for k, v in attrs.items()}
        if not self._started:
            self._pending_attrs.update(attrs)
            return
        with _zarr_context():
            # Opened through its consolidated metadata, the group rewrites that record unchanged
            # along with the new attributes: the committed chunks stay the readable ones.
            group = zarr.open_group(str(self.path), mode="r+", use_consolidated=True)
            group.attrs.update(attrs)

    def close(self, finished: bool = True) -> None:
        """Stop writing; with ``finished=True`` mark the recording complete (``attrs["finished"] = 1``).

        Closing before any :meth:`append` writes nothing.
        """
        if self._started and finished:
            self.set_attrs(finished=1)
        self._closed = True

    def __enter__(self) -> "StreamWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and self._started:
            self.set_attrs(error=f"{exc_type.__name__}: {exc}")
        self.close(finished=exc is None)
