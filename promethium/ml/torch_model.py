"""TorchModel: turn a ``torch.nn.Module`` into a Promethium :class:`Reconstructor`.

A plugin author writes the network and its config; :class:`TorchModel` runs it over
the patch grid of :mod:`promethium.ml.engine`, batched, under
``torch.inference_mode()``, at the requested device and precision, with optional
ensembles (MC dropout and/or several weight sets). The dask graph carries only a
:class:`TorchPredictor` — import path, config JSON, weights paths and hashes — and
each process builds the network once (:mod:`promethium.ml.cache`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from promethium.errors import ConfigError, PluginError, PromethiumWarning
from promethium.ml.cache import cached_model
from promethium.ml.device import autocast, resolve_device, resolve_precision
from promethium.ml.engine import predict_patches, predict_patches_stack
from promethium.ml.options import TorchOptions
from promethium.ml.weights import load_weights, weights_sha256

if TYPE_CHECKING:
    import torch
    import xarray as xr

    from promethium.typing import PathType

__all__ = ["TorchModel", "TorchPredictor", "network_reference"]


def network_reference(network: Callable[..., Any]) -> str:
    """Return ``"module:QualName"`` for a top-level importable callable, or raise.

    Raises
    ------
    ConfigError
        If `network` is a lambda, a local class/function, or cannot be imported back
        from its module under its name.
    """
    module = getattr(network, "__module__", None)
    qualname = getattr(network, "__qualname__", None)
    if not callable(network) or not module or not qualname or "<" in qualname:
        raise ConfigError(
            f"network must be a top-level class or function importable by name, so that "
            f"only its reference goes into the dask graph; got {network!r}. Define it at "
            "module level in an importable module."
        )
    ref = f"{module}:{qualname}"
    try:
        found = _import_reference(ref)
    except PluginError as exc:
        raise ConfigError(f"network {ref!r} cannot be imported back: {exc}") from exc
    if found is not network:
        raise ConfigError(
            f"network {ref!r} imports back as a different object; define it once at module level."
        )
    return ref


def _import_reference(ref: str) -> Any:
    module_name, _, qualname = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"cannot import network {ref!r}: {exc}.") from exc
    return obj


@dataclass(frozen=True)
class TorchPredictor:
    """The picklable patch predictor of a :class:`TorchModel`: references only.

    Called on a batch ``(B, 2, Pt, Pv)``, it builds (once per process) and runs
    every ensemble member and aggregates: ``(B, Pt, Pv)``, or ``(B, 2, Pt, Pv)``
    (aggregate, std) with `return_uncertainty`. The members are the weight sets (one
    set, the network's own initialization, when `weights` is empty), each run once
    without MC dropout or `mc_passes` times with it: :attr:`members` in all.
    """

    network: str
    config_json: str
    weights: tuple[tuple[str, str], ...]  # (path, sha256); empty: the network's own init
    in_channels: int
    device: str
    precision: str
    mc_passes: int  # 0: no MC dropout; n: n passes with dropout active per weight set
    aggregate: str
    return_uncertainty: bool
    seed: int

    #: Ask the engine for per-patch keys, to seed MC dropout independently of chunking.
    wants_patch_keys = True

    @property
    def members(self) -> int:
        """Number of ensemble members: weight sets times MC-dropout passes."""
        return max(len(self.weights), 1) * max(self.mc_passes, 1)

    def module(self, member: int = 0) -> torch.nn.Module:
        """The built network of weight set `member`, cached in this process."""
        device = resolve_device(self.device)
        weights = self.weights[member] if self.weights else ("", "")
        key = (self.network, self.config_json, weights[1], device, self.mc_passes > 0)
        return cached_model(key, lambda: self._build(weights[0], device, weights[1]))

    def _build(self, path: str, device: str, sha256: str = "") -> torch.nn.Module:
        import torch

        factory = _import_reference(self.network)
        config = json.loads(self.config_json)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # the same initial parameters in every process
            net = factory(**config)
        if not isinstance(net, torch.nn.Module):
            raise PluginError(
                f"network {self.network!r} returned {type(net).__name__}, not a torch.nn.Module."
            )
        if path:
            # The file must still be the one hashed when the model was built (and
            # recorded in the provenance), not whatever lies at the path now.
            state, _ = load_weights(path, expected_sha256=sha256 or None)
            try:
                net.load_state_dict(state, strict=True)
            except RuntimeError as exc:
                raise PluginError(
                    f"weights {path!r} do not fit network {self.network!r} with config "
                    f"{self.config_json}: {exc}"
                ) from exc
        net.eval()
        if self.mc_passes:
            from promethium.ml._mc_dropout import install_mc_dropout

            install_mc_dropout(net, self.network)
        return net.to(device)

    def __call__(self, batch: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        """Predict a batch with every member and aggregate (see the class docstring)."""
        device = resolve_device(self.device)
        precision = resolve_precision(self.precision, device)
        x = np.ascontiguousarray(batch[:, : self.in_channels], dtype=np.float32)
        if keys is None:
            keys = np.zeros((x.shape[0], 3), dtype=np.int64)
            keys[:, 0] = np.arange(x.shape[0])
        preds = []
        for member in range(max(len(self.weights), 1)):
            net = self.module(member)
            if not self.mc_passes:
                preds.append(_forward(net, x, device, precision))
                continue
            from promethium.ml._mc_dropout import mc_seeds

            for k in range(self.mc_passes):
                seeding = functools.partial(mc_seeds, self.seed, member, k)
                preds.append(_forward(net, x, device, precision, keys=keys, seeding=seeding))
        stack = np.stack(preds)
        centre = np.median(stack, axis=0) if self.aggregate == "median" else stack.mean(axis=0)
        if not self.return_uncertainty:
            return centre.astype(np.float32)
        return np.stack([centre, stack.std(axis=0)], axis=1).astype(np.float32)


def _forward(
    net: torch.nn.Module,
    x: np.ndarray,
    device: str,
    precision: str,
    *,
    keys: np.ndarray | None = None,
    seeding: Callable[[np.ndarray], contextlib.AbstractContextManager[None]] | None = None,
    warn: bool = True,
) -> np.ndarray:
    """Run `net` on `x`; when the device runs out of memory, halve the batch and retry.

    `seeding(keys)`, when given, is entered around each forward pass with the patch
    keys of the patches in it (MC dropout draws its masks from them), so the halves are
    predicted exactly as one pass would; a :class:`PromethiumWarning` says that the
    batch was split. A single patch that does not fit is a :class:`ConfigError`
    suggesting a smaller ``patch_size`` or ``precision="float16"``.
    """
    import torch

    if keys is None:
        keys = np.zeros((x.shape[0], 3), dtype=np.int64)
    try:
        with seeding(keys) if seeding is not None else contextlib.nullcontext():
            return _forward_once(net, x, device, precision)
    except torch.OutOfMemoryError as err:
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
        if x.shape[0] == 1:
            raise ConfigError(
                f"one patch of shape {tuple(x.shape[1:])} does not fit in {device} memory; "
                "use a smaller patch_size, precision='float16', or device='cpu'."
            ) from err
        half = x.shape[0] // 2
        if warn:
            warnings.warn(
                f"{device} ran out of memory on a batch of {x.shape[0]} patches; splitting "
                "it until it fits. Pass a smaller batch_size to avoid this.",
                PromethiumWarning,
                stacklevel=2,
            )
        parts = ((x[:half], keys[:half]), (x[half:], keys[half:]))
        return np.concatenate(
            [
                _forward(net, part, device, precision, keys=k, seeding=seeding, warn=False)
                for part, k in parts
            ]
        )


def _forward_once(net: torch.nn.Module, x: np.ndarray, device: str, precision: str) -> np.ndarray:
    import torch

    inputs = torch.from_numpy(x).to(device)
    with torch.inference_mode(), autocast(device, precision):
        out = net(inputs)
    if not isinstance(out, torch.Tensor):
        raise PluginError(f"the network returned {type(out).__name__}, not a tensor.")
    if out.ndim == 4 and out.shape[1] == 1:
        out = out[:, 0]
    if tuple(out.shape) != (x.shape[0], *x.shape[2:]):
        raise PluginError(
            f"the network maps input {tuple(x.shape)} to {tuple(out.shape)}; expected "
            f"{(x.shape[0], 1, *x.shape[2:])}: one output channel, same patch size."
        )
    return out.float().cpu().numpy()


class TorchModel:
    """A Reconstructor running a torch network over overlapping patches.

    Parameters
    ----------
    network : callable
        Top-level class or function (importable by name) with ``network(**config)``
        returning a ``torch.nn.Module`` that maps ``(B, in_channels, Pt, Pv)`` to
        ``(B, 1, Pt, Pv)`` (or ``(B, Pt, Pv)``), in normalized units.
    config : Mapping
        Keyword arguments of `network`; JSON-serializable.
    weights : path or sequence of paths, optional
        ``.safetensors`` files with JSON sidecars (see
        :func:`~promethium.ml.weights.save_weights`) or plain state-dict checkpoints.
        Several paths make an ensemble (see Notes). None uses the network's own
        (seeded) initialization.
    in_channels : {2, 1}, optional
        2 feeds data and live mask; 1 feeds the data only.
    name : str, optional
        Name used in messages.

    Notes
    -----
    Its options are :class:`~promethium.ml.options.TorchOptions` (a plugin may
    subclass it to change a default, such as the patch size the network was trained on).
    ``ensemble_size`` is the total number of members that are aggregated. The
    members are spread evenly over the weight sets: with ``n`` weight sets (``n = 1``
    without `weights`) each set runs ``ensemble_size / n`` times, which must be an
    integer; more than one run per set needs ``dropout_inference=True`` (MC dropout
    passes, otherwise identical). None (the default) means one member per weight set.
    For example, 3 weight sets with ``ensemble_size=6, dropout_inference=True`` run
    2 MC-dropout passes of each set; ``ensemble_size=1`` with 3 weight sets is a
    :class:`~promethium.errors.ConfigError`.

    Raises
    ------
    ConfigError
        If `network` is not importable by name, `config` is not JSON, a weights file
        is missing, or `in_channels` is not 1 or 2.

    Examples
    --------
    >>> import promethium as pm
    >>> from promethium.ml.testing import CopyChannel
    >>> model = TorchModel(CopyChannel, {})
    >>> da = pm.synthetic_gather(n_traces=16, n_samples=32)
    >>> out = model.reconstruct(da.assign_coords(trace_mask=("offset", [True] * 16)),
    ...                         TorchOptions(patch_size=16))
    >>> bool(abs(out - da).max() < 1e-5)
    True
    """

    def __init__(
        self,
        network: Callable[..., torch.nn.Module],
        config: Mapping[str, Any],
        *,
        weights: PathType | Sequence[PathType] | None = None,
        in_channels: int = 2,
        name: str = "",
    ) -> None:
        self.network = network_reference(network)
        try:
            self.config: dict[str, Any] = json.loads(json.dumps(dict(config), sort_keys=True))
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"config of {self.network!r} must be JSON-serializable: {exc}."
            ) from exc
        if in_channels not in (1, 2):
            raise ConfigError(f"in_channels must be 1 or 2; got {in_channels!r}.")
        self.in_channels = int(in_channels)
        self.name = name or self.network
        if weights is None:
            paths: list[Path] = []
        elif isinstance(weights, (str, Path)) or hasattr(weights, "__fspath__"):
            paths = [Path(weights)]
        else:
            paths = [Path(p) for p in weights]
        self.weights: tuple[Path, ...] = tuple(paths)
        self._weights_ref = tuple((str(p), weights_sha256(p)) for p in paths)

    def __repr__(self) -> str:
        return (
            f"TorchModel({self.name!r}, network={self.network!r}, "
            f"weights={[str(p) for p in self.weights]})"
        )

    def predictor(self, options: TorchOptions | None = None) -> TorchPredictor:
        """The picklable predictor for validated `options` (the defaults if not given).

        Raises
        ------
        ConfigError
            For a device that is not available (e.g. ``device="cuda"`` without CUDA),
            or an ``ensemble_size`` that does not fit the weight sets (class Notes).
        """
        opts = TorchOptions() if options is None else options
        if opts.device != "auto":
            resolve_device(opts.device)
        passes = self._passes_per_set(opts.ensemble_size, opts.dropout_inference)
        return TorchPredictor(
            network=self.network,
            config_json=json.dumps(self.config, sort_keys=True),
            weights=self._weights_ref,
            in_channels=self.in_channels,
            device=opts.device,
            precision=opts.precision,
            mc_passes=passes if opts.dropout_inference else 0,
            aggregate=opts.aggregate,
            return_uncertainty=opts.return_uncertainty,
            seed=opts.seed,
        )

    def _passes_per_set(self, size: int | None, dropout: bool) -> int:
        """Runs of each weight set giving `size` members in all (class Notes), or raise."""
        n_sets = max(len(self.weights), 1)
        size = n_sets if size is None else size
        if size % n_sets:
            raise ConfigError(
                f"ensemble_size={size} does not fit the {n_sets} weight sets of "
                f"{self.name!r}: the members are spread evenly over the weight sets, so "
                f"use a multiple of {n_sets} (with dropout_inference=True beyond {n_sets}) "
                "or leave ensemble_size unset for one member per weight set."
            )
        passes = size // n_sets
        if passes > 1 and not dropout:
            raise ConfigError(
                f"ensemble_size={size} needs dropout_inference=True (MC dropout): "
                f"{self.name!r} has {n_sets} weight set(s), and without dropout each set "
                f"gives one member (use ensemble_size={n_sets} or leave it unset)."
            )
        return passes

    def reconstruct(
        self, da: xr.DataArray, options: TorchOptions | None = None
    ) -> xr.DataArray | xr.Dataset:
        """Fill the missing traces of `da` (see :class:`~promethium.plugin.Reconstructor`).

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data with its ``trace_mask``.
        options : TorchOptions, optional
            Validated options; the defaults if not given.

        Returns
        -------
        xarray.DataArray or xarray.Dataset
            Like `da`; with ``return_uncertainty=True`` a Dataset with ``mean`` (the
            aggregate, ``attrs["aggregate"]`` says which) and ``std`` (the members'
            population standard deviation, blended like the mean).

        Warns
        -----
        PromethiumWarning
            With ``return_uncertainty=True`` and a single ensemble member (one weight
            set, no ``dropout_inference``): its ``std`` is zero.
        """
        import xarray as xr

        opts = TorchOptions() if options is None else options
        predictor = self.predictor(opts)
        for member in range(max(len(self.weights), 1)):
            predictor.module(member)  # build now: bad weights fail here, not at compute
        kwargs: dict[str, Any] = {
            "patch_size": opts.patch_size,
            "overlap": opts.overlap,
            "batch_size": opts.batch_size,
        }
        if not predictor.return_uncertainty:
            return predict_patches(da, predictor, **kwargs)
        if predictor.members == 1:
            warnings.warn(
                f"return_uncertainty=True with a single ensemble member of {self.name!r}: "
                "the uncertainty of one member is zero (std is 0 everywhere). For a real "
                "estimate, use ensemble_size=N with dropout_inference=True on a network "
                "with dropout layers (MC dropout), or give several weight sets.",
                PromethiumWarning,
                stacklevel=2,
            )
        mean, std = predict_patches_stack(da, predictor, 2, **kwargs)
        mean.attrs["aggregate"] = predictor.aggregate
        std.attrs = {**std.attrs, "long_name": "ensemble standard deviation"}
        return xr.Dataset({"mean": mean.rename("mean"), "std": std.rename("std")})
