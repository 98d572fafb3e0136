#!/root/venv/bin/python
"""Time t2i's four reference workloads against PyTorch eager on the same machine (DESIGN §9).

DESIGN §9 sets the bar: each `t2i bench` workload of the default config in ≤ 0.7× the time of
PyTorch eager, same machine, same thread count, measured alternating in one run. This script is
that measurement. For every round (``--rounds``, default 5) and every workload it runs
``t2i bench …`` as a subprocess, then the same workload in PyTorch eager in a fresh subprocess
(this script re-invoked as a worker), so the two alternate t2i, torch, t2i, torch, … and drift on a
shared machine lands on both. It prints a table of the median over rounds of each side, the ratio
t2i/PyTorch (≤ 0.7 meets the bar), the median and range of the per-round ratios (each round's pair
measured back to back, so a drift of the machine's speed over the run cancels) and the peak memory
of each side.

The PyTorch side builds the reference classes of DESIGN §3 from the same resolved config
(``t2i config show FILE --set …``; when that fails, FILE is read with PyYAML or, without it, a
minimal parser): diffusers ``UNet2DConditionModel`` and ``AutoencoderKL``, transformers
``CLIPModel``/``CLIPTextModel``, diffusers ``DDPMScheduler``/``DDIMScheduler``, all with random
weights (the work per step does not depend on them). Each workload matches the Swift source:

unet — ``t2i bench train-unet`` (Sources/Diffusion/Stages/UNetStage+Benchmark.swift,
    Training/StepBenchmark.swift). Fixed random latents (B=64, in_channels, sample_size²), text states
    (B, tokenizer.max_length, cross_attention_dim) with every key valid, timesteps uniform in
    0..<num_train_timesteps. Timed per step: zero the gradients, draw ε, x_t = add_noise(z₀, ε, t),
    ε-prediction, MSE loss, backward, clip the global gradient norm to 1, AdamW(lr 1e-4,
    weight_decay 0.01, betas 0.9/0.999, eps 1e-8). 1 untimed warm-up step, then ``--steps``.
ae — ``t2i bench train-ae`` (Stages/AutoencoderStage.swift ``benchmark``). Fixed random images in
    [−1, 1] (B=32, 3, 32, 32). Loss: L1(decode(posterior.sample()), x)·vae_loss.l1_weight +
    mean over the batch of KL (summed over C·H·W, diffusers ``DiagonalGaussianDistribution.kl``)
    ·vae_loss.kl_weight — exactly the bench's loss (the bench leaves out the optional MSE term).
    Same step, optimizer, clipping and warm-up as unet.
clip — ``t2i bench train-encoder`` (Stages/TextEncoderStage+Benchmark.swift). ``CLIPModel`` with a
    512-row token table (the bench's default ``--vocab-size``), bos 2 / eos 3 / pad 0, one fixed
    batch (B=64) of random images in [−1, 1] and captions (bos, 8…max_length−2 random pieces, eos,
    padding) with the matching attention mask; contrastive loss (``return_loss=True``), backward,
    clipping to encoder_training.grad_clip, AdamW(encoder_training.learning_rate, weight_decay),
    then the logit-scale clamp at ln 100. 2 untimed warm-up steps (as the bench), then ``--steps``.
generate — ``t2i bench generate`` (Pipeline/GenerationBenchmark.swift, TextToImagePipeline.swift,
    LatentDenoiser.swift). 16 images of one prompt, 50 DDIM steps (η 0, diffusers' default
    spacing), guidance 4 with an empty negative prompt: the text encoder runs on the 16 prompts and
    the 16 negative prompts (two calls, attention mask from the token lengths), every step is one
    U-Net call at batch 32 with that key mask (``encoder_attention_mask``), the guidance combine,
    the DDIM step and a finiteness check of the latents, then the decode of the 16 latents
    (/ scaling_factor). No gradients (``torch.inference_mode``). One untimed 1-step generation
    warms up, then one full generation is timed. t2i also tokenises with a SentencePiece model
    trained in memory; here the token ids are made up (one piece per word, as the BPE of the
    template captions gives) since tokenising is microseconds either way.

The timed region is in-process on both sides: model building, process start and imports are not
timed. Train workloads report the median s/step of the ``--steps`` timed steps of one round (t2i
prints exactly that: "time per step: median X s"); generate reports the seconds of one generation
("time: X s per generation"). The table shows the median over rounds.

Threads: ``--threads`` (default 2) goes to t2i as ``T2I_THREADS`` (and ``--threads`` where the
subcommand has it; t2i keeps OpenBLAS single-threaded itself) and to PyTorch as
``torch.set_num_threads`` plus ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` in the worker's environment.

Memory: the peak resident set (``ru_maxrss`` from ``os.wait4``) of each measuring child. For PyTorch
the worker reports its own ``ru_maxrss`` right after importing torch/diffusers/transformers and the
table shows peak minus that import baseline; for t2i the table shows the bench's peak minus the
peak of ``t2i --version`` (the binary's own baseline). Both baselines are printed under the table.

Run it with the PyTorch venv from anywhere in the repo:

    /root/venv/bin/python scripts/compare_pytorch.py                  # all four, 5 rounds
    /root/venv/bin/python scripts/compare_pytorch.py --workloads unet --rounds 1 --steps 1 \\
        --set unet.layers_per_block=1 --batch-unet 8                  # a smoke test

This is a developer tool: nothing imports it and CI never runs Python.
"""

import argparse
import json
import math
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKLOADS = ("unet", "ae", "clip", "generate")
PROMPT = "a large red circle in the center on a white background"  # GenerationBenchmark.request
BOS, EOS, PAD = 2, 3, 0                                             # DESIGN §3 tokenizer ids

# ---------------------------------------------------------------------------------------------
# Config: `t2i config show` (every default resolved), else the file itself.
# ---------------------------------------------------------------------------------------------


def _scalar(text):
    """A YAML scalar as t2i writes it: numbers (also `1e-3`, which YAML 1.1 leaves a string), bools, null, strings."""
    t = text.strip()
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    if t.startswith("[") and t.endswith("]"):
        inner = t[1:-1].strip()
        return [_scalar(x) for x in inner.split(",")] if inner else []
    low = t.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("null", "~", ""):
        return None
    for convert in (int, float):
        try:
            return convert(t)
        except ValueError:
            pass
    return t


def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_minimal_yaml(text):
    """The block-style YAML subset of t2i configs: nested mappings, `- item` lists, `[a, b]`, comments."""
    lines = []
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if line.strip() and line.strip() != "---":
            lines.append((len(line) - len(line.lstrip(" ")), line.strip()))

    def block(i, indent):
        if i < len(lines) and lines[i][1].startswith("- "):
            items = []
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
                items.append(_scalar(lines[i][1][2:]))
                i += 1
            return items, i
        mapping = {}
        while i < len(lines) and lines[i][0] == indent:
            key, sep, rest = lines[i][1].partition(":")
            if not sep:
                raise ValueError(f"config line {lines[i][1]!r}: expected `key: value`")
            i += 1
            if rest.strip():
                mapping[key.strip()] = _scalar(rest)
            elif i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))):
                mapping[key.strip()], i = block(i, lines[i][0])
            else:
                mapping[key.strip()] = None
        return mapping, i

    result, end = block(0, lines[0][0] if lines else 0)
    if end != len(lines):
        raise ValueError(f"config: could not parse from line {lines[end][1]!r}")
    return result


def _coerce(value):
    """PyYAML (YAML 1.1) reads `1e-3` as a string; t2i's configs mean a number."""
    if isinstance(value, dict):
        return {k: _coerce(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_coerce(v) for v in value]
    if isinstance(value, str):
        return _scalar(value) if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", value.strip()) else value
    return value


def parse_yaml(text):
    try:
        import yaml  # noqa: PLC0415  (optional)
    except ImportError:
        return parse_minimal_yaml(text)
    return _coerce(yaml.safe_load(text))


def load_config(t2i, config_file, overrides):
    """The resolved config as t2i sees it; falls back to reading the file (plus --set) without t2i."""
    cmd = [str(t2i), "config", "show", str(config_file)] + [a for o in overrides for a in ("--set", o)]
    try:
        shown = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        resolved = parse_yaml(shown.stdout) if shown.returncode == 0 else None
        if isinstance(resolved, dict) and all(k in resolved for k in ("unet", "vae", "text_encoder")):
            return resolved
        print(f"note: `{shlex.join(cmd)}` gave no config ({shown.stderr.strip() or 'exit %d' % shown.returncode}); "
              f"reading {config_file} directly", file=sys.stderr)
    except OSError as error:
        print(f"note: cannot run {t2i} ({error}); reading {config_file} directly", file=sys.stderr)
    config = parse_yaml(Path(config_file).read_text())
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"--set {item!r}: expected key=value")
        node = config
        *path, leaf = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = _scalar(value)
    return config


# ---------------------------------------------------------------------------------------------
# PyTorch worker: one measurement per process (so ru_maxrss is this workload's peak).
# ---------------------------------------------------------------------------------------------


def _maxrss_mib(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def build_unet(cfg):
    from diffusers import UNet2DConditionModel
    u = cfg["unet"]
    return UNet2DConditionModel(
        sample_size=u["sample_size"], in_channels=u["in_channels"], out_channels=u["out_channels"],
        block_out_channels=tuple(u["block_out_channels"]), down_block_types=tuple(u["down_block_types"]),
        up_block_types=tuple(u["up_block_types"]), layers_per_block=u["layers_per_block"],
        cross_attention_dim=u["cross_attention_dim"], attention_head_dim=u["attention_head_dim"],
        norm_num_groups=u["norm_num_groups"], use_linear_projection=u["use_linear_projection"],
        flip_sin_to_cos=u["flip_sin_to_cos"], freq_shift=u["freq_shift"])


def build_vae(cfg):
    from diffusers import AutoencoderKL
    v = cfg["vae"]
    n = len(v["block_out_channels"])
    return AutoencoderKL(
        in_channels=v["in_channels"], out_channels=v["out_channels"],
        down_block_types=("DownEncoderBlock2D",) * n, up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=tuple(v["block_out_channels"]), layers_per_block=v["layers_per_block"],
        norm_num_groups=v["norm_num_groups"], latent_channels=v["latent_channels"],
        sample_size=v["sample_size"], scaling_factor=v["scaling_factor"])


def text_config(cfg, vocab):
    t = cfg["text_encoder"]
    return dict(vocab_size=vocab, hidden_size=t["hidden_size"], intermediate_size=t["intermediate_size"],
                num_hidden_layers=t["num_hidden_layers"], num_attention_heads=t["num_attention_heads"],
                max_position_embeddings=t["max_position_embeddings"], hidden_act=t["hidden_act"],
                layer_norm_eps=t["layer_norm_eps"], projection_dim=cfg["clip"]["projection_dim"],
                bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD)


def vision_config(cfg):
    v = cfg["vision_encoder"]
    return dict(image_size=v["image_size"], patch_size=v["patch_size"], num_channels=v["num_channels"],
                hidden_size=v["hidden_size"], intermediate_size=v["intermediate_size"],
                num_hidden_layers=v["num_hidden_layers"], num_attention_heads=v["num_attention_heads"],
                hidden_act=v["hidden_act"], layer_norm_eps=v["layer_norm_eps"],
                projection_dim=cfg["clip"]["projection_dim"])


def ddpm_kwargs(cfg):
    s = cfg["scheduler"]
    return dict(num_train_timesteps=s["num_train_timesteps"], beta_schedule=s["beta_schedule"],
                beta_start=s["beta_start"], beta_end=s["beta_end"], prediction_type=s["prediction_type"])


def make_adamw(torch, params, lr, weight_decay, impl):
    kwargs = dict(lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    if impl == "foreach":
        kwargs["foreach"] = True
    elif impl == "fused":
        kwargs["fused"] = True
    return torch.optim.AdamW(params, **kwargs)


def step_result(model, times, losses):
    """What a training worker reports: the median step time, every time, the last loss, the size."""
    return dict(seconds=statistics.median(times), times=times, loss=losses[-1],
                parameters=sum(p.numel() for p in model.parameters()))


def train_steps(torch, model, loss_fn, optimizer, clip, warmup, steps, after_step=None):
    """t2i's StepBenchmark.step: zero grads, loss (drawing its noise), backward, clip, AdamW — timed."""
    times, losses = [], []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        if after_step:
            after_step()
        elapsed = time.perf_counter() - start
        if i >= warmup:
            times.append(elapsed)
            losses.append(float(loss.detach()))
    return times, losses


def worker_unet(torch, cfg, args):
    from diffusers import DDPMScheduler
    torch.manual_seed(1)
    model = build_unet(cfg).train()
    scheduler = DDPMScheduler(**ddpm_kwargs(cfg))
    u, b = cfg["unet"], args.batch_unet
    latents = torch.randn(b, u["in_channels"], u["sample_size"], u["sample_size"])
    context = torch.randn(b, cfg["tokenizer"]["max_length"], u["cross_attention_dim"])
    timesteps = torch.randint(0, scheduler.config.num_train_timesteps, (b,))
    F = torch.nn.functional

    def loss_fn():
        noise = torch.randn_like(latents)
        xt = scheduler.add_noise(latents, noise, timesteps)
        prediction = model(xt, timesteps, encoder_hidden_states=context).sample
        return F.mse_loss(prediction, noise)

    opt = make_adamw(torch, model.parameters(), 1e-4, 0.01, args.torch_adamw)
    times, losses = train_steps(torch, model, loss_fn, opt, 1.0, 1, args.steps)
    return step_result(model, times, losses)


def worker_ae(torch, cfg, args):
    torch.manual_seed(1)
    model = build_vae(cfg).train()
    v, b, w = cfg["vae"], args.batch_ae, cfg["vae_loss"]
    images = torch.rand(b, v["in_channels"], v["sample_size"], v["sample_size"]) * 2 - 1
    F = torch.nn.functional

    def loss_fn():
        posterior = model.encode(images).latent_dist
        reconstruction = model.decode(posterior.sample()).sample
        return F.l1_loss(reconstruction, images) * w["l1_weight"] + posterior.kl().mean() * w["kl_weight"]

    opt = make_adamw(torch, model.parameters(), 1e-4, 0.01, args.torch_adamw)
    times, losses = train_steps(torch, model, loss_fn, opt, 1.0, 1, args.steps)
    return step_result(model, times, losses)


def worker_clip(torch, cfg, args):
    from transformers import CLIPConfig, CLIPModel
    import random
    torch.manual_seed(1)
    config = CLIPConfig(text_config=text_config(cfg, args.vocab_size), vision_config=vision_config(cfg),
                        projection_dim=cfg["clip"]["projection_dim"],
                        logit_scale_init_value=cfg["clip"]["logit_scale_init_value"])
    model = CLIPModel(config).train()
    b, length = args.batch_clip, cfg["tokenizer"]["max_length"]
    rng = random.Random(21)
    ids = torch.full((b, length), PAD, dtype=torch.long)
    mask = torch.zeros(b, length, dtype=torch.long)
    for row in range(b):  # TextEncoderStage.Benchmark: bos, 8…length−2 random pieces, eos, padding
        pieces = min(8 + rng.randrange(max(length - 9, 1)), length - 2)
        tokens = [BOS] + [4 + rng.randrange(max(args.vocab_size - 4, 1)) for _ in range(pieces)] + [EOS]
        ids[row, :len(tokens)] = torch.tensor(tokens)
        mask[row, :len(tokens)] = 1
    v = cfg["vision_encoder"]
    pixels = torch.rand(b, v["num_channels"], v["image_size"], v["image_size"]) * 2 - 1
    train = cfg["encoder_training"]
    clamp = math.log(100.0)

    def loss_fn():
        return model(input_ids=ids, attention_mask=mask, pixel_values=pixels, return_loss=True).loss

    def clamp_logit_scale():
        with torch.no_grad():
            model.logit_scale.clamp_(max=clamp)

    opt = make_adamw(torch, model.parameters(), train["learning_rate"], train["weight_decay"], args.torch_adamw)
    clip = train["grad_clip"] if train["grad_clip"] > 0 else math.inf
    times, losses = train_steps(torch, model, loss_fn, opt, clip, 2, args.steps, clamp_logit_scale)
    return step_result(model, times, losses)


def worker_generate(torch, cfg, args):
    from diffusers import DDIMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel
    torch.manual_seed(0)
    vocab = cfg["tokenizer"]["vocab_size"]  # GenerationBenchmark: the config's (an upper bound on the trained tokenizer's)
    text_encoder = CLIPTextModel(CLIPTextConfig(**text_config(cfg, vocab))).eval()
    vae = build_vae(cfg).eval()
    unet = build_unet(cfg).eval()
    scheduler = DDIMScheduler(**ddpm_kwargs(cfg), clip_sample=False)  # t2i's DDIM: diffusers' defaults, no clipping
    length = cfg["tokenizer"]["max_length"]
    n, guidance = args.images, args.guidance

    def tokens(prompt):
        words = prompt.split()
        row = ([BOS] + [4 + sum(w.encode()) % (vocab - 4) for w in words] + [EOS])[:length]
        ids = torch.full((n, length), PAD, dtype=torch.long)
        mask = torch.zeros(n, length, dtype=torch.long)
        ids[:, :len(row)] = torch.tensor(row)
        mask[:, :len(row)] = 1
        return ids, mask

    prompt_ids, prompt_mask = tokens(PROMPT)
    negative_ids, negative_mask = tokens("")
    u = cfg["unet"]
    scale = cfg["vae"]["scaling_factor"]

    skip = cfg.get("diffusion", {}).get("clip_skip", 0)
    final_norm = getattr(text_encoder, "text_model", text_encoder).final_layer_norm   # .text_model in transformers 4

    def encode(ids, mask):
        # diffusion.clip_skip k: the states after all but the last k layers, through the final layer norm
        # (StableDiffusionPipeline.encode_prompt's clip_skip), as t2i's pipeline encodes.
        if skip == 0:
            return text_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        out = text_encoder(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        return final_norm(out.hidden_states[-(skip + 1)])

    def generate(steps):
        # TextToImagePipeline.generate: encode prompts, then negatives; DDIM loop with guidance; decode.
        cond = encode(prompt_ids, prompt_mask)
        if guidance != 1:
            uncond = encode(negative_ids, negative_mask)
            context = torch.cat([uncond, cond])
            key_mask = torch.cat([negative_mask, prompt_mask])
        else:
            context, key_mask = cond, prompt_mask
        scheduler.set_timesteps(steps)
        x = torch.randn(n, u["in_channels"], u["sample_size"], u["sample_size"]) * scheduler.init_noise_sigma
        for t in scheduler.timesteps:
            model_input = torch.cat([x, x]) if guidance != 1 else x
            model_input = scheduler.scale_model_input(model_input, t)
            out = unet(model_input, t, encoder_hidden_states=context, encoder_attention_mask=key_mask).sample
            if guidance != 1:
                uncond_out, cond_out = out.chunk(2)
                out = uncond_out + guidance * (cond_out - uncond_out)
            x = scheduler.step(out, t, x, eta=0.0).prev_sample
            if not bool(torch.isfinite(x).all()):
                raise RuntimeError(f"non-finite latents at timestep {int(t)}")
        return vae.decode(x / scale).sample

    with torch.inference_mode():
        generate(1)
        start = time.perf_counter()
        images = generate(args.ddim_steps)
        seconds = time.perf_counter() - start
    assert images.shape[0] == n
    return dict(seconds=seconds, times=[seconds],
                parameters=sum(p.numel() for m in (text_encoder, vae, unet) for p in m.parameters()))


def run_worker(args):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import diffusers  # noqa: F401  (part of the import baseline)
    import transformers  # noqa: F401
    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    baseline = _maxrss_mib()
    cfg = json.loads(args.worker_config)
    result = {"unet": worker_unet, "ae": worker_ae, "clip": worker_clip, "generate": worker_generate}[args.worker](torch, cfg, args)
    result.update(baseline_mib=baseline, peak_mib=_maxrss_mib(), threads=torch.get_num_threads(),
                  torch=torch.__version__, diffusers=diffusers.__version__, transformers=transformers.__version__)
    print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------------------------------------
# Driver: alternate t2i and PyTorch subprocesses, parse, tabulate.
# ---------------------------------------------------------------------------------------------


def run_child(cmd, env):
    """Runs `cmd`; returns (returncode, stdout, stderr, seconds, ru_maxrss MiB of that child)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # communicate() reaps with waitpid, losing the rusage: read the pipes, then wait4 ourselves.
    import threading
    chunks = {"out": [], "err": []}
    readers = [threading.Thread(target=lambda s=s, k=k: chunks[k].append(s.read()))
               for s, k in ((proc.stdout, "out"), (proc.stderr, "err"))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, "".join(chunks["out"]), "".join(chunks["err"]), time.perf_counter() - start, usage.ru_maxrss / 1024


def fail(what, cmd, rc, out, err):
    sys.exit(f"\n{what}\ncommand: {shlex.join(map(str, cmd))}\nexit status: {rc}\n--- stdout ---\n{out}\n--- stderr ---\n{err}")


T2I_PATTERNS = {
    "unet": r"^time per step: median ([0-9.]+) s",
    "ae": r"^time per step: median ([0-9.]+) s",
    "clip": r"^time per step: median ([0-9.]+) s",
    "generate": r"^time: ([0-9.]+) s per generation",
}


def t2i_command(args, workload):
    base = [str(args.t2i), "bench"]
    common = ["--config", str(args.config)] + [a for o in args.set for a in ("--set", o)]
    if workload == "unet":
        return base + ["train-unet"] + common + ["--steps", str(args.steps), "--batch-size", str(args.batch_unet)]
    if workload == "ae":
        return base + ["train-ae"] + common + ["--steps", str(args.steps), "--batch-size", str(args.batch_ae)]
    if workload == "clip":
        return base + ["train-encoder"] + common + ["--steps", str(args.steps), "--batch-size", str(args.batch_clip),
                                                    "--vocab-size", str(args.vocab_size), "--threads", str(args.threads),
                                                    "--no-sgemm"]
    return base + ["generate"] + common + ["--count", str(args.images), "--steps", str(args.ddim_steps),
                                           "--guidance", repr(args.guidance), "--runs", "1"]


def measure_t2i(args, workload):
    cmd = t2i_command(args, workload)
    env = dict(os.environ, T2I_THREADS=str(args.threads))
    rc, out, err, _, peak = run_child(cmd, env)
    if rc != 0:
        fail(f"t2i bench ({workload}) failed", cmd, rc, out, err)
    match = re.search(T2I_PATTERNS[workload], out, re.M)
    if not match:
        fail(f"t2i bench ({workload}): no line matching {T2I_PATTERNS[workload]!r} in its output", cmd, rc, out, err)
    header = re.search(T2I_PARAMETERS[workload], out)
    parameters = sum(int(g) for g in header.groups()) if header else None
    return float(match.group(1)), peak, parameters


# The header line of each bench, for the parameter count (a check that both sides built the same model).
T2I_PARAMETERS = {
    "unet": r"UNet2DConditionModel (\d+) parameters",
    "ae": r"AutoencoderKL (\d+) parameters",
    "clip": r"CLIP (\d+) parameters",
    "generate": r"text encoder (\d+), autoencoder (\d+), U-Net (\d+) parameters",
}


def torch_command(args, workload, cfg):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", workload, "--worker-config", json.dumps(cfg),
           "--threads", str(args.threads), "--steps", str(args.steps), "--torch-adamw", args.torch_adamw,
           "--batch-unet", str(args.batch_unet), "--batch-ae", str(args.batch_ae), "--batch-clip", str(args.batch_clip),
           "--vocab-size", str(args.vocab_size), "--images", str(args.images), "--ddim-steps", str(args.ddim_steps),
           "--guidance", repr(args.guidance)]
    return cmd


def measure_torch(args, workload, cfg):
    cmd = torch_command(args, workload, cfg)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    rc, out, err, _, peak = run_child(cmd, env)
    match = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if rc != 0 or not match:
        shown = cmd[:5] + ["'<resolved config JSON>'"] + cmd[6:]
        fail(f"PyTorch worker ({workload}) failed", shown, rc, out, err)
    result = json.loads(match.group(1))
    result["child_peak_mib"] = peak
    return result


def t2i_baseline_mib(args):
    rc, out, err, _, peak = run_child([str(args.t2i), "--version"], dict(os.environ))
    if rc != 0:
        fail("t2i --version failed", [args.t2i, "--version"], rc, out, err)
    return peak


LABELS = {
    "unet": "U-Net train step (batch {batch_unet})",
    "ae": "autoencoder train step (batch {batch_ae})",
    "clip": "CLIP train step (batch {batch_clip})",
    "generate": "generate {images} img × {ddim_steps} DDIM, CFG",
}


def print_table(args, results, t2i_base, torch_base):
    rows = [("workload", "t2i median s", "PyTorch median s", "t2i/PyTorch", "per round: median (range)", "t2i peak MiB",
             "PyTorch peak MiB")]
    for w in args.workloads:
        r = results[w]
        t, p = statistics.median(r["t2i"]), statistics.median(r["torch"])
        # Each round's two measurements are minutes apart at most, so their ratio cancels the machine's
        # slower drifts (a busy neighbour, a clock change) that move both sides' medians.
        paired = [a / b for a, b in zip(r["t2i"], r["torch"])]
        rows.append((LABELS[w].format(**vars(args)), f"{t:.3f}", f"{p:.3f}", f"{t / p:.2f}",
                     f"{statistics.median(paired):.2f} ({min(paired):.2f}–{max(paired):.2f})",
                     f"{max(r['t2i_mem']) - t2i_base:.0f}", f"{max(r['torch_mem']):.0f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    line = lambda row: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))  # noqa: E731
    print()
    print(line(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(line(row))
    print()
    print(f"medians over {args.rounds} round(s), alternating t2i/PyTorch; train rows: median of {args.steps} timed step(s) per round; "
          f"{args.threads} thread(s) each; ratio ≤ 0.70 meets DESIGN §9 (per round: t2i/PyTorch of each round, "
          f"each pair measured back to back).")
    print(f"peak memory: ru_maxrss of each child minus its baseline — t2i: `t2i --version` {t2i_base:.0f} MiB; "
          f"PyTorch: after importing torch/diffusers/transformers {torch_base:.0f} MiB (max over rounds).")
    for w in args.workloads:
        r = results[w]
        print(f"  {w:8s} per round  t2i: {', '.join(f'{x:.3f}' for x in r['t2i'])}   PyTorch: {', '.join(f'{x:.3f}' for x in r['torch'])}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="alternating t2i/PyTorch rounds (default 5)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per train measurement (default 5)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of unet,ae,clip,generate")
    parser.add_argument("--t2i", type=Path, default=REPO / ".build/release/t2i", help="the t2i binary (default .build/release/t2i)")
    parser.add_argument("--threads", type=int, default=2, help="threads for both sides (default 2)")
    parser.add_argument("--config", type=Path, default=REPO / "Configs/shapes-32.yaml", help="the config (default Configs/shapes-32.yaml)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override for both sides, as t2i's --set (repeatable; for smoke tests)")
    parser.add_argument("--batch-unet", type=int, default=64, help="U-Net train batch (default 64, as t2i bench)")
    parser.add_argument("--batch-ae", type=int, default=32, help="autoencoder train batch (default 32)")
    parser.add_argument("--batch-clip", type=int, default=64, help="CLIP train batch (default 64)")
    parser.add_argument("--vocab-size", type=int, default=512, help="CLIP token table rows (default 512, as t2i bench train-encoder)")
    parser.add_argument("--images", type=int, default=16, help="images per generation (default 16)")
    parser.add_argument("--ddim-steps", type=int, default=50, help="DDIM steps per generation (default 50)")
    parser.add_argument("--guidance", type=float, default=4.0, help="guidance scale (default 4; 1 turns it off)")
    parser.add_argument("--torch-adamw", choices=("default", "foreach", "fused"), default="default",
                        help="torch.optim.AdamW implementation (default: PyTorch's own choice, the per-tensor loop on CPU)")
    parser.add_argument("--worker", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--worker-config", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        run_worker(args)
        return
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown or not args.workloads:
        parser.error(f"--workloads: unknown {unknown}; choose from {','.join(WORKLOADS)}")
    for name in ("rounds", "steps", "threads", "batch_unet", "batch_ae", "images", "ddim_steps"):
        value = getattr(args, name)
        if value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {value}")
    if args.batch_clip < 2:
        parser.error("--batch-clip must be at least 2 (a contrastive batch)")
    if not args.t2i.is_absolute():
        args.t2i = (Path.cwd() / args.t2i).resolve()
    if not args.t2i.exists():
        sys.exit(f"{args.t2i}: no t2i binary (build it with `swift build -c release`, or pass --t2i PATH)")
    args.config = args.config.resolve()

    cfg = load_config(args.t2i, args.config, args.set)
    t2i_base = t2i_baseline_mib(args)
    print(f"compare_pytorch: {', '.join(args.workloads)}; {args.rounds} round(s); {args.threads} thread(s); "
          f"config {args.config.relative_to(REPO) if args.config.is_relative_to(REPO) else args.config}"
          + (f" with {' '.join(args.set)}" if args.set else "") + f"; torch AdamW {args.torch_adamw}", flush=True)

    results = {w: {"t2i": [], "torch": [], "t2i_mem": [], "torch_mem": []} for w in args.workloads}
    torch_base = 0.0
    versions = None
    for round_index in range(args.rounds):
        for w in args.workloads:
            seconds, peak, t2i_parameters = measure_t2i(args, w)
            results[w]["t2i"].append(seconds)
            results[w]["t2i_mem"].append(peak)
            r = measure_torch(args, w, cfg)
            results[w]["torch"].append(r["seconds"])
            results[w]["torch_mem"].append(r["child_peak_mib"] - r["baseline_mib"])
            torch_base = max(torch_base, r["baseline_mib"])
            versions = versions or f"torch {r['torch']}, diffusers {r['diffusers']}, transformers {r['transformers']}"
            if t2i_parameters is not None and t2i_parameters != r["parameters"]:
                print(f"warning: {w}: t2i's model has {t2i_parameters:,} parameters, PyTorch's {r['parameters']:,} — "
                      "not the same architecture", file=sys.stderr)
            if r["threads"] != args.threads:
                sys.exit(f"PyTorch ran with {r['threads']} threads, asked for {args.threads}")
            print(f"round {round_index + 1}/{args.rounds} {w:8s}  t2i {seconds:.3f} s ({peak - t2i_base:.0f} MiB)   "
                  f"PyTorch {r['seconds']:.3f} s ({r['child_peak_mib'] - r['baseline_mib']:.0f} MiB, "
                  f"{r['parameters']:,} parameters{', loss %.4f' % r['loss'] if 'loss' in r else ''}; "
                  f"steps {' '.join(f'{x:.3f}' for x in r['times'])})", flush=True)
    print_table(args, results, t2i_base, torch_base)
    print(f"PyTorch eager: {versions}")


if __name__ == "__main__":
    main()
