"""Write the model cards ``docs/models/<name>.md`` and ``results/training_pretrained.json``.

Every number comes from the set's sidecar (``promethium/models/networks/pretrained``):
the config, the recipe, the data, ``trained_on`` and ``metrics`` (validation, and the
benchmark that ``benchmarks/pretrained_eval.py --update-sidecars`` wrote). The prose
per network is below. ``benchmarks/results/training_pretrained.json`` gathers each
set's training record (machine, wall time, steps, start, size, sha256). Run after the
sidecars change: ``python benchmarks/model_cards.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEIGHTS = ROOT / "promethium" / "models" / "networks" / "pretrained"
CARDS = ROOT / "docs" / "models"

SCENARIOS = {
    "random30": "30% random dead traces",
    "random50": "50% random dead traces",
    "decimate2": "regular decimation, every 2nd trace",
    "decimate4": "regular decimation, 3 of 4 traces",
    "gaps": "gaps of 5-10 adjacent traces",
}

#: What each card says beyond the numbers.
PROSE: dict[str, dict[str, str]] = {
    "unet": {
        "what": "A U-Net that fills missing traces of shot gathers; Promethium's default network.",
        "seed": "features [64, 128, 256, 512], bottleneck 1024, dropout 0.1, one input channel",
        "use": "The first network to try, and the one `auto` usually picks on shot gathers "
        "with random gaps or regular decimation.",
        "start": "random initialisation (seed 0)",
        "uncertainty": "MC dropout (`return_uncertainty=True`: 5 members with channel "
        "dropout 0.05); how well its std tracks the error was not measured.",
    },
    "attention_unet": {
        "what": "A U-Net whose skip connections pass through attention gates.",
        "seed": "features [64, 128, 256, 512], bottleneck 1024, dropout 0.1, one input channel",
        "use": "An alternative to `unet` with the same training; compare both on your "
        "survey with `pm.qc`.",
        "start": "random initialisation (seed 0)",
        "uncertainty": "MC dropout (channel dropout 0.05); not calibrated.",
    },
    "residual_unet": {
        "what": "A U-Net built from residual blocks.",
        "seed": "features [64, 128, 256, 512], bottleneck 1024, dropout 0.1, one input channel",
        "use": "An alternative to `unet` with the same training; compare both on your "
        "survey with `pm.qc`.",
        "start": "random initialisation (seed 0)",
        "uncertainty": "MC dropout (channel dropout 0.05); not calibrated.",
    },
    "vae": {
        "what": "A fully convolutional variational autoencoder; the reconstruction is the "
        "posterior mean.",
        "seed": "encoder [64, 128, 256], latent 256, beta 1, one input channel",
        "use": "When an uncertainty from posterior samples is wanted. It has no skip "
        "connections: all detail passes through a latent at 1/4 resolution (two levels, "
        "not the seed's three, for that reason), so it is smoother and scores below the "
        "U-Nets.",
        "start": "random initialisation (seed 0)",
        "uncertainty": "posterior samples (`return_uncertainty=True`); not calibrated.",
    },
    "gan": {
        "what": "A conditional GAN: a U-Net generator (the network that runs) trained "
        "against a PatchGAN critic.",
        "seed": "generator: the seed's U-Net; critic features [64, 128, 256, 512]",
        "use": "When sharper fills matter more than the lowest error; the adversarial term "
        "can add texture that is not in the data, so check the difference panels.",
        "start": "the shipped `unet` weights (`training.init_weights`), generator only",
        "uncertainty": "MC dropout of the generator (channel dropout 0.05); not calibrated.",
    },
    "pinn": {
        "what": "A U-Net backbone fine-tuned with an acoustic physics loss (energy outside "
        "the f-k cone of the slowest velocity is penalised).",
        "seed": "backbone: the seed's U-Net; physics weight 0.1",
        "use": "Data whose slowest apparent velocity is known (`physics.min_velocity`, "
        "1400 m/s here). The same recipe trained without the physics loss "
        "(`benchmarks/configs/pinn_no_physics.yaml`) scores within -0.36 to +0.08 dB of it "
        "on every benchmark set (`quality.json`, `pinn-nophysics`): its gain over `unet` "
        "comes from the further training at one sampling, not from the physics term.",
        "start": "the shipped `unet` weights (`training.init_weights`), into the backbone",
        "uncertainty": "MC dropout (channel dropout 0.05); not calibrated.",
    },
}


def _parameters(path: Path) -> int:
    from safetensors import safe_open

    total = 0
    with safe_open(str(path), framework="numpy") as f:
        for key in f.keys():
            if "running_" not in key and "num_batches" not in key:
                total += int(f.get_tensor(key).size)
    return total


def _mask_text(mask: dict[str, Any]) -> str:
    if mask["kind"] == "random":
        return f"random {mask['ratio'][0]:.0%}-{mask['ratio'][1]:.0%}"
    if mask["kind"] == "regular":
        return f"keep every {'/'.join(map(str, mask['keep_every']))} (random offset)"
    width = mask["gap_width"]
    return f"{mask['n_gaps']} gaps of {width[0]}-{width[1]} traces"


def _data(info: dict[str, Any]) -> str:
    syn = info["data"]["synthetic"]
    masks = ", ".join(_mask_text(m) for m in info["data"]["masks"])
    listed = lambda v: ", ".join(map(str, v)) if isinstance(v, list) else str(v)  # noqa: E731
    return (
        f"{syn['n_train']} training and {syn['n_val']} validation finite-difference shot "
        f"gathers (`promethium.modeling`, family `{syn['family']}`: random layered and "
        f"faulted velocity models; direct waves, reflections, diffractions, refractions), "
        f"{syn['n_traces']} traces x {syn['n_samples']} samples, sample interval "
        f"{listed(syn['dt_ms'])} ms, trace spacing {listed(syn['trace_spacing_m'])} m, "
        f"Ricker peak {syn['frequency_hz'][0]:g}-{syn['frequency_hz'][1]:g} Hz, "
        f"{listed(syn['spread'])} spreads, field-like noise {syn['noise']} of the RMS, "
        f"gain `{syn['gain']}`, seed {syn['seed']}. Patches of "
        f"{info['data']['patch_size'][0]} traces x {info['data']['patch_size'][1]} samples "
        f"(stride {info['data']['stride'][0]} x {info['data']['stride'][1]}), each divided by "
        f"the RMS of its live samples; masks drawn per patch: {masks}; augmentation: "
        "trace-order flips, per-trace gains 0.8-1.25, polarity flips, input noise 0.01. "
        "No field data."
    )


def _sampling_line(info: dict[str, Any]) -> str:
    """The limits' line on the sampling the set was trained on (from its recipe)."""
    from promethium.ml.trained_sampling import TrainedSampling

    trained = TrainedSampling.from_sidecar(info)
    if trained is None:
        return "The sidecar records no training sampling: a survey's is not checked."
    return (
        f"Trained at {trained.describe()}: outside that, the model warns; "
        '`resample_time="trained"` runs it at the nearest trained sample interval (not '
        "where the trace spacing is also coarser than trained), and a trace spacing "
        "outside the range cannot be fixed: see [Sampling](../inference.md#sampling-the-"
        "surveys-sample-interval-and-trace-spacing-against-the-trainings) for what each "
        "costs, measured."
    )


def _table(bench: dict[str, Any]) -> str:
    rows = [
        "| scenario | SNR gain (dB) | SSIM | coherence | vs pocs (dB) | vs linear (dB) "
        "| s/gather |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in SCENARIOS.items():
        if key not in bench.get("snr_improvement_db", {}):
            continue
        rows.append(
            f"| {label} | {bench['snr_improvement_db'][key]:.2f} | {bench['ssim'][key]:.3f} "
            f"| {bench['coherence'][key]:.3f} | {bench['vs_pocs_db'].get(key, float('nan')):+.2f} "
            f"| {bench['vs_linear_db'].get(key, float('nan')):+.2f} "
            f"| {bench['seconds_per_gather'][key]:.2f} |"
        )
    return "\n".join(rows)


def card(name: str) -> str:
    """The Markdown card of the shipped set `name`."""
    info = json.loads((WEIGHTS / f"{name}.json").read_text())
    path = WEIGHTS / f"{name}.safetensors"
    prose = PROSE[name]
    train = info["recipe"]["config"]["training"]
    on = info["trained_on"]
    bench = info.get("metrics", {}).get("benchmark", {})
    val = info.get("metrics", {}).get("validation", {})
    size_mb = path.stat().st_size / 1e6
    minutes = on["wall_time_s"] / 60
    lines = [
        f"# {name} (shipped weights)",
        "",
        prose["what"],
        "",
        "| | |",
        "|---|---|",
        "| Plugin | promethium (entry point `builtin-networks`) |",
        f"| Family | {name} |",
        f"| Weights | `promethium/models/networks/pretrained/{name}.safetensors`, "
        f"{size_mb:.1f} MB, sha256 `{info['sha256']}` |",
        "| Licence | the project's licence (weights and code); trained on generated data only |",
        "| Contact | the project's issue tracker |",
        "",
        "## Intended use",
        "",
        f"{prose['use']} Shot gathers (2-D: traces x time) with random dead traces, "
        "regular decimation (aliased) or gaps of up to about 10 adjacent traces; trained "
        "at 2 and 4 ms sample intervals and 6.25-25 m trace spacings"
        + (" (the `pinn` set at 4 ms and 12.5 m only)" if name == "pinn" else "")
        + ". `pm.reconstruct(da, model="
        + repr(name)
        + ")` runs it; the default inference "
        "patch is 128 x 128 with 50% overlap.",
        "",
        "## When not to use it",
        "",
        "Gaps wider than about 10 traces (a patch is 128 traces; wide gaps are filled from "
        "little context: compare with `pocs`), post-stack sections and depth-domain data "
        "(never seen in training), sampling far outside the trained range (the data are "
        "never resampled silently: check with `pm.qc` on your survey first), and whenever "
        "a blind test (`pm.qc`) on your survey ranks a classical method higher. Fine-tune "
        "on your survey (`pm.finetune`) where the data differ from modelled gathers.",
        "",
        "## Training data",
        "",
        _data(info),
        "",
        "## Training recipe",
        "",
        f"`{info['recipe']['file']}` reproduces this set:",
        "",
        "```bash",
        f"promethium train --config {info['recipe']['file']} "
        "--export promethium/models/networks/pretrained",
        "```",
        "",
        f"- Architecture: `{name}`, config `{json.dumps(info['config'])}` "
        f"({_parameters(path) / 1e6:.2f} M parameters); the seed's default is {prose['seed']}. "
        "Narrower, to train on a 2-core CPU within the hour and keep the shipped files "
        "under 60 MB together; two input channels (data and live mask).",
        f"- Start: {prose['start']}.",
        f"- Loss on the missing traces only (`loss_on: {train['loss_on']}`); AdamW, learning "
        f"rate {train['optimizer']['learning_rate']:g}, weight decay "
        f"{train['optimizer']['weight_decay']:g}, reduce-on-plateau (factor "
        f"{train['scheduler']['factor']}, patience {train['scheduler']['patience']}), "
        f"early stopping (patience {train['early_stopping']['patience']}); batch "
        f"{train['batch_size']}, {train['steps_per_epoch']} steps per epoch, "
        f"{on['epochs']} epochs ({on['steps']} steps; best epoch "
        f"{info['metrics']['best_epoch'] + 1}), gradient clipping {train['grad_clip']}, "
        f"seed {train['seed']}.",
        f"- Trained on {on['cpu']} ({on['cores']} cores, shared with other work), "
        f"{on['torch_threads']} torch thread, {on['precision']}, torch "
        f"{on['torch_version']}: {minutes:.0f} minutes of wall time.",
        "",
        "## Evaluation",
        "",
    ]
    if bench:
        data = bench["data"]
        lines += [
            f"`benchmarks/pretrained_eval.py` on the FD set of `benchmarks/quality.py`: "
            f"{data['gathers']} shot gathers of {data['traces']} traces x {data['samples']} "
            f"samples (4 ms, 12.5 m, split spread, noise 0.02) in velocity models of the "
            f"evaluation families ({data['families']}), which no shipped network trained on. "
            "Scores on the removed traces only (`promethium.holdout.score`), against `pocs` "
            "and `linear` on the same inputs; time per gather on the CPU above.",
            "",
            _table(bench),
            "",
        ]
    else:
        lines += ["No benchmark numbers recorded yet.", ""]
    if val:
        lines += [
            "On the training run's validation patches (every patch weighs the same, and "
            "about half of them hold mostly noise, late in the gathers), the SNR gain over "
            f"zero fill was {val['snr_improvement_db']:.2f} dB, SSIM {val['ssim']:.3f}.",
            "",
        ]
    lines += [
        "## Uncertainty",
        "",
        prose["uncertainty"],
        "",
        "## Limits and known failure modes",
        "",
        "Trained on modelled data only: real surveys bring noise, statics, coupling and "
        "geometry the modeller does not; fine-tune or check with `pm.qc` first. The FD "
        "gathers' late samples are mostly noise, which the network cannot predict and "
        "fills smoothly. Weak events next to strong direct waves can be smeared. Inference "
        f"runs at about {bench.get('seconds_per_gather', {}).get('random50', float('nan')):.1f} "
        "s per 128 x 512 gather on the CPU above (one thread).",
        "",
        _sampling_line(info),
        "",
        "## Licence and citation",
        "",
        "Weights under the project's licence; the training data are generated by "
        "`promethium.modeling` (no third-party data). Cite Promethium and name the weight "
        "set by its sha256.",
        "",
    ]
    return "\n".join(lines)


def training_record() -> dict[str, Any]:
    """How each shipped set was trained: machine, wall time, steps, start, size, hash."""
    runs = {}
    for name in PROSE:
        side = WEIGHTS / f"{name}.json"
        if not side.is_file():
            continue
        info = json.loads(side.read_text())
        runs[name] = {
            "recipe": info["recipe"]["file"],
            "sha256": info["sha256"],
            "bytes": (WEIGHTS / f"{name}.safetensors").stat().st_size,
            "config": info["config"],
            "init_weights": info.get("init_weights"),
            "trained_on": info["trained_on"],
            "best_epoch": info["metrics"]["best_epoch"],
            "validation": info["metrics"]["validation"],
            "benchmark_snr_improvement_db": info["metrics"]
            .get("benchmark", {})
            .get("snr_improvement_db"),
        }
    total = sum(r["bytes"] for r in runs.values())
    wall = sum(r["trained_on"]["wall_time_s"] for r in runs.values())
    return {"total_bytes": total, "total_wall_time_s": round(wall, 1), "runs": runs}


def main() -> None:
    """Write every card whose weights ship, and the training record."""
    CARDS.mkdir(parents=True, exist_ok=True)
    for name in PROSE:
        if (WEIGHTS / f"{name}.json").is_file():
            (CARDS / f"{name}.md").write_text(card(name))
            print(f"wrote {CARDS / f'{name}.md'}")
    out = ROOT / "benchmarks" / "results" / "training_pretrained.json"
    out.write_text(json.dumps(training_record(), indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
