"""The ``auto`` model: choose the model that does best on a blind test of the survey.

``auto`` hides a small fraction of the live traces of a sample of gathers
(:func:`promethium.holdout.hide_traces`, placed like the survey's own missing traces),
reconstructs the sample with each candidate, scores each on the hidden traces
(:func:`promethium.holdout.score`), and runs the candidate with the best SNR on the
whole survey, lazily: only the sample is computed. The candidates are, by default,
Promethium's own networks that ship trained weights (``ModelSpec.weights``) and the
models that declare themselves candidates (``ModelSpec.candidate``: the built-in
``pocs`` and ``linear``, and any plugin's model that sets it).

When no blind test can be made (too few live traces to hide one, or no candidate
could be scored) ``auto`` falls back to the missing-trace pattern rule of
:mod:`promethium.models.auto_rule`: ``linear`` for regular decimation, ``pocs``
otherwise, and records why.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator

from promethium.core import strict_json
from promethium.core.strict_json import number_text
from promethium.errors import ConfigError, InvalidDataError, PromethiumError, PromethiumWarning
from promethium.holdout import DEFAULT_GATHERS, SCORE_NAMES, score
from promethium.holdout_rounds import blind_rounds, pool_scores, pooled_record
from promethium.models.auto_rule import DEFAULT_PREFERENCES, PatternRule
from promethium.plugin.options import ModelOptions

if TYPE_CHECKING:
    import xarray as xr

    from promethium.holdout import Holdout
    from promethium.registry import Registry

__all__ = [
    "AUTO_CHOICE_ATTR",
    "DEFAULT_PREFERENCES",
    "AutoOptions",
    "AutoSelect",
    "build_auto",
    "default_candidates",
    "describe_choice",
]

#: attrs key where :class:`AutoSelect` records its choice (JSON); the front door
#: moves it into the provenance.
AUTO_CHOICE_ATTR = "promethium_auto_choice"

#: Entry-point names of Promethium's own plugins start with this.
BUILTIN_PREFIX = "builtin-"

#: Hidden traces a blind test scores at least, when the survey allows: with a handful
#: the choice is noise (on a small field crop, 4 hidden traces picked a different model
#: for each seed).
MIN_HIDDEN = 32

#: Most rounds of the blind test (each a new sample of gathers and hidden traces).
MAX_ROUNDS = 8

#: Scores averaged over the rounds of a blind test, weighted by their hidden traces.
POOLED_SCORES = SCORE_NAMES


class AutoOptions(ModelOptions):
    """The options of ``auto``: which candidates, and how the blind test is drawn."""

    candidates: tuple[str, ...] | None = Field(
        None,
        description="Models to try on the survey; default: those shipping weights, pocs, linear.",
        json_schema_extra={
            "allowed": "a list of model names (comma-separated on the command line), or "
            "None for the default candidates"
        },
    )
    holdout: float = Field(
        0.1, gt=0.0, le=0.5, description="Fraction of each sampled gather's live traces hidden."
    )
    seed: int = Field(0, ge=0, description="Seed of the sample and of the hidden traces.")
    max_gathers: int = Field(
        DEFAULT_GATHERS, ge=1, description="Gathers sampled per round of the blind test."
    )
    min_hidden: int = Field(
        MIN_HIDDEN,
        ge=1,
        description="Hidden traces the blind test scores at least (more rounds if needed).",
    )
    max_rounds: int = Field(
        MAX_ROUNDS, ge=1, description="Most rounds (new sample, new hidden traces) it runs."
    )

    @field_validator("candidates", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """Accept ``"linear,pocs"`` (a command line) as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


def build_auto(
    registry: Registry,
    regular: Sequence[str] = DEFAULT_PREFERENCES["regular"],
    irregular: Sequence[str] = DEFAULT_PREFERENCES["irregular"],
) -> AutoSelect:
    """Build the ``auto`` reconstructor choosing among the models of `registry`.

    Parameters
    ----------
    registry : Registry
        Where the candidate models are looked up and built (bound when ``auto`` is
        registered).
    regular, irregular : sequence of str
        The fallback rule's preference lists for gathers with regular (periodic) and
        with irregular missing traces; the first registered name is used.

    Returns
    -------
    AutoSelect
        The reconstructor.
    """
    return AutoSelect(registry, regular=regular, irregular=irregular)


def default_candidates(registry: Registry) -> list[str]:
    """The models ``auto`` tries by default, in the registry's (name) order.

    A model is a candidate when its spec declares ``candidate=True`` (the built-in
    ``pocs`` and ``linear``; any plugin's model may), or it is one of Promethium's own
    networks (a ``builtin-*`` plugin) and ships trained weights (``weights`` set). A
    third-party model's weights alone do not make it one: they say nothing of how it
    does on surveys in general, and trying it costs a reconstruction of the sample.
    ``auto`` itself never is.

    Parameters
    ----------
    registry : Registry
        The installed models.

    Returns
    -------
    list of str
        Model names.
    """
    names = []
    for name in registry:
        spec = registry.get(name)
        shipped = spec.weights is not None and spec.plugin.startswith(BUILTIN_PREFIX)
        if spec.family != "auto" and (spec.candidate or shipped):
            names.append(name)
    return names


class AutoSelect:
    """Reconstructor that runs the candidate scoring best on a blind test of the survey.

    Parameters
    ----------
    registry : Registry
        Where the candidates are looked up and built.
    regular, irregular : sequence of str
        Preference lists of the fallback pattern rule (:class:`.auto_rule.PatternRule`).

    Raises
    ------
    ConfigError
        If a preference list is not a non-empty list of model names or names ``auto``.

    Notes
    -----
    The choice costs one reconstruction of the sample per candidate (``max_gathers``
    gathers, computed eagerly) besides the survey's own, lazy one; see
    ``docs/inference.md`` for measured times. When the sample's gathers are small, so
    that one round hides fewer than ``min_hidden`` traces, further rounds (the next
    seeds: other gathers, other hidden traces) run, up to ``max_rounds``, and each
    candidate's scores are averaged over them, weighted by their hidden traces: a
    handful of hidden traces makes the choice a coin toss. Each candidate runs with its default
    options; warnings it gives on the sample (e.g. ``pocs`` on a regular pattern) are
    recorded, not shown. The choice and every candidate's scores go to
    ``attrs["promethium_auto_choice"]``, which :func:`promethium.reconstruct` moves
    into the provenance (key ``auto``).

    Examples
    --------
    >>> import json
    >>> import promethium as pm
    >>> da = pm.synthetic_section(n_traces=64, n_samples=128, seed=3)
    >>> holed = pm.apply_trace_mask(da, pm.regular_mask(da, 2))
    >>> out = pm.reconstruct(holed, model="auto")
    >>> record = json.loads(out.attrs["promethium_reconstruction"])["auto"]
    >>> record["chosen"], record["scores"]["linear"]["snr_db"] > record["scores"]["pocs"]["snr_db"]
    ('linear', True)
    """

    def __init__(
        self,
        registry: Registry,
        *,
        regular: Sequence[str] = DEFAULT_PREFERENCES["regular"],
        irregular: Sequence[str] = DEFAULT_PREFERENCES["irregular"],
    ) -> None:
        self.registry = registry
        self.rule = PatternRule(registry, regular=regular, irregular=irregular)

    def candidates(self, names: Sequence[str] | None) -> list[str]:
        """The candidates to try: `names` checked, or :func:`default_candidates`.

        Raises
        ------
        ConfigError
            If `names` is empty, names ``auto``, or names a model not registered; or
            no candidate is registered.
        """
        if names is None:
            chosen = default_candidates(self.registry)
        else:
            chosen = list(dict.fromkeys(names))
            if not chosen or "auto" in chosen:
                raise ConfigError(
                    "auto: candidates must be a non-empty list of model names other than "
                    f"'auto'; got {list(names)!r}."
                )
            unknown = [n for n in chosen if n not in self.registry]
            if unknown:
                raise ConfigError(
                    f"auto: candidate(s) {', '.join(map(repr, unknown))} are not registered; "
                    f"registered: {', '.join(n for n in self.registry if n != 'auto')}."
                )
        if not chosen:
            raise ConfigError(
                "auto: no registered model is a candidate (none ships weights or declares "
                "candidate=True); pass candidates=[...] or choose a model by name."
            )
        return chosen

    def reconstruct(self, da: xr.DataArray, options: AutoOptions | None = None) -> xr.DataArray:
        """Fill the missing traces of `da` with the candidate that scores best on it.

        Parameters
        ----------
        da : xarray.DataArray
            Seismic data with a ``trace_mask`` coordinate (inferred if absent), missing
            traces zeroed, NumPy- or dask-backed.
        options : AutoOptions, optional
            The candidates and the blind test's fraction, seed and sample size.

        Returns
        -------
        xarray.DataArray
            Same dims, coords and shape as `da`, lazy when `da` is (only the sample is
            computed); the choice in ``attrs["promethium_auto_choice"]``.

        Raises
        ------
        ConfigError
            For candidates that are not registered models.
        """
        opts = options if options is not None else AutoOptions()
        names = self.candidates(opts.candidates)
        record: dict[str, Any] = {"candidates": names}
        if len(names) == 1:
            record.update(decided="the only candidate", chosen=names[0], models=names)
            return self._finish(self.rule.run(names[0], da), record)
        try:
            tests = self._blind_tests(da, opts)
        except InvalidDataError as exc:
            return self._fallback(da, record, f"no blind test could be made: {exc}")
        record["holdout"] = pooled_record(tests)
        scores = {name: self._trials(name, tests) for name in names}
        record["scores"] = scores
        scored = [n for n in names if "snr_db" in scores[n]]
        if not scored:
            return self._fallback(da, record, "no candidate could be scored on the sample")
        best = max(scored, key=lambda n: scores[n]["snr_db"])  # the first of equals
        if not scores[best]["snr_db"] > 0.0:
            why = "no candidate did better than the zero-filled input (SNR > 0 dB) on the sample"
            return self._fallback(da, record, why)
        record.update(decided="on the survey", chosen=best, models=[best])
        return self._finish(self.rule.run(best, da), record)

    @staticmethod
    def _blind_tests(da: xr.DataArray, opts: AutoOptions) -> list[Holdout]:
        """Rounds of hidden traces in one sample of gathers, until `min_hidden`."""
        return blind_rounds(
            da, opts.holdout, seed=opts.seed, gathers=opts.max_gathers, pattern="survey",
            min_hidden=opts.min_hidden, max_rounds=opts.max_rounds,
        )  # fmt: skip

    def _trials(self, name: str, tests: Sequence[Holdout]) -> dict[str, Any]:
        """`name`'s scores on the rounds, averaged (weighted by hidden traces); or its error."""
        rounds = []
        for blind in tests:
            result = self._trial(name, blind)
            if "error" in result:
                return result
            rounds.append(result)
        pooled = pool_scores(rounds, POOLED_SCORES)
        pooled["seconds"] = round(sum(r["seconds"] for r in rounds), 4)
        noted = sorted({w for r in rounds for w in r.get("warnings", [])})
        if noted:
            pooled["warnings"] = noted
        return pooled

    def _trial(self, name: str, blind: Holdout) -> dict[str, Any]:
        """Reconstruct the blind test's sample with `name`; its scores, or its error."""
        start = time.perf_counter()
        error = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result: dict[str, Any] = score(blind, self.rule.run(name, blind.data)).as_dict()
            except PromethiumError as exc:
                error = f"{type(exc).__name__}: {exc}"
                result = {"error": error}
        result["seconds"] = round(time.perf_counter() - start, 4)
        noted = [str(w.message) for w in caught if issubclass(w.category, PromethiumWarning)]
        if noted:
            result["warnings"] = noted
        if error is not None:
            warnings.warn(
                f"auto: candidate {name!r} failed on the sample and is left out: {error}",
                PromethiumWarning,
                stacklevel=5,
            )
        return result

    def _fallback(self, da: xr.DataArray, record: dict[str, Any], why: str) -> xr.DataArray:
        """Run the pattern rule, recording why the survey could not decide."""
        out, rule = self.rule.apply(da)
        record.update(rule)
        record.update(decided=f"pattern rule ({rule['decided']})", why=why)
        return self._finish(out, record)

    @staticmethod
    def _finish(out: xr.DataArray, record: dict[str, Any]) -> xr.DataArray:
        out.attrs[AUTO_CHOICE_ATTR] = strict_json.dumps(record, sort_keys=True)
        return out


def describe_choice(record: dict[str, Any]) -> str:
    """One line saying what ``auto`` chose and why (the ``auto`` provenance record).

    Parameters
    ----------
    record : dict
        The ``auto`` entry of the provenance (``attrs["promethium_reconstruction"]``).

    Returns
    -------
    str
        E.g. ``"auto chose linear on 10 hidden traces of 4 gathers (SNR: linear
        14.2 dB, pocs 3.1 dB)"``.

    Examples
    --------
    >>> describe_choice({"decided": "the only candidate", "chosen": "pocs"})
    'auto chose pocs (the only candidate)'
    """
    decided = record.get("decided", "")
    if decided == "on the survey":
        held = record.get("holdout", {})
        scores = record.get("scores", {})
        parts = [
            f"{n} {number_text(s['snr_db'], '.1f', ' dB')}" if "snr_db" in s else f"{n} failed"
            for n, s in scores.items()
        ]
        return (
            f"auto chose {record['chosen']} on {held.get('n_hidden')} hidden traces of "
            f"{held.get('n_sampled')} gather(s) (SNR: {', '.join(parts)})"
        )
    if "chosen" in record:
        return f"auto chose {record['chosen']} ({decided})"
    models = ", ".join(record.get("models", []))
    return f"auto used {models} by the {decided}: {record.get('why', '')}"
