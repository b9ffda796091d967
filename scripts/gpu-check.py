#!/usr/bin/env python3
"""make gpu-check: the PyTorch engine on one NVIDIA GPU, in at most 8 minutes, with no Java and no network.

1. The tiny model (plrd init-model --preset tiny's config, seeded weights, seeded bigram data) trained by the
   engine's own loop on the GPU in bf16 autocast and on the CPU in float32, on the same windows: every step's loss
   must agree within LOSS_TOLERANCE (relative).
2. A 7B-wide factored block stack (scripts/gpu-check-expected.json, "stack") at sequence 4096, with activation
   checkpointing off and on, at the largest micro-batch the planner says fits the card: tokens/s, model FLOPs
   utilisation against the card's bf16 peak, and peak memory (torch.cuda.max_memory_allocated) against the
   planner's prediction for that shape, which must lie within MEMORY_RANGE of it.
3. One FSDP2 step on 2 processes (NCCL) sharing the GPU; where NCCL refuses two ranks on one GPU it says so and
   goes on.
4. A factored tiny member written as the worker writes members (config.json with its plrd ranks and auto_map, and
   modeling_plrd.py) loads in transformers with AutoModelForCausalLM.from_pretrained(dir, trust_remote_code=True)
   and computes the engine's logits within REMOTE_CODE_TOLERANCE (float32, on the CPU); without transformers it says
   so and goes on.
5. A summary of every figure; exit 1 if a check failed.

--smoke runs parts 1 and 2 at toy sizes on the CPU (PyTorch 1.13 will do); the "GPU" side of part 1 is then the
CPU with activation checkpointing, which must not change the curve. --json FILE also writes the summary as JSON."""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from plrd_torch import atomic, checkpoint, data, distributed, model as llama, plan as recipe, train
from plrd_torch.log import TrainingLog

EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gpu-check-expected.json")
# bf16 keeps 8 bits of mantissa (relative rounding 2^-9 = 2e-3 per operation); a loss through 4 blocks and a
# 512-way softmax, 30 AdamW steps on, drifts further: 2e-2 is the per-step bound
LOSS_TOLERANCE = 2e-2
# measured / predicted peak: the planner may over-predict (wasting GPUs) by up to half, but not under-predict by
# more than 10% (it would admit a plan that runs out of memory)
MEMORY_RANGE = (0.5, 1.1)
SEED = 7
# the largest logit difference between transformers' modules and the engine's, relative to the largest logit: both
# compute in float32, the engine rounding its rotary tables as the Java reference does
REMOTE_CODE_TOLERANCE = 1e-5
# the member of part 4: some projections factored, the others dense, as a decomposed member has them
REMOTE_CODE_RANKS = {"model.layers.0.self_attn.q_proj": 16, "model.layers.0.mlp.down_proj": 32,
                     "model.layers.3.self_attn.o_proj": 8, "model.layers.3.mlp.gate_proj": 24}
TWO_RANK_TIMEOUT_S = 120


class Summary:
    """Figures and checks, printed at the end."""

    def __init__(self):
        self.figures = {}
        self.checks = []

    def figure(self, name, value, text):
        self.figures[name] = value
        print("  %s: %s" % (name, text), flush=True)

    def check(self, name, ok, detail):
        self.checks.append({"name": name, "passed": bool(ok), "detail": detail})
        print("  %s %s: %s" % ("PASS" if ok else "FAIL", name, detail), flush=True)

    def failed(self):
        return [c for c in self.checks if not c["passed"]]

    def print(self):
        print("\n== gpu-check summary ==")
        for name, value in self.figures.items():
            print("%s = %s" % (name, json.dumps(value)))
        for c in self.checks:
            print("%s %s: %s" % ("PASS" if c["passed"] else "FAIL", c["name"], c["detail"]))
        print("%d checks, %d failed" % (len(self.checks), len(self.failed())))

    def as_json(self):
        return {"figures": self.figures, "checks": self.checks}


def config_of(fields, path):
    """A checkpoint.Config from config.json fields, written to path and read by the worker's own parser."""
    atomic.write_bytes(path, json.dumps(fields).encode("utf-8"))
    return checkpoint.parse_config(path)


def seeded_model(config, seed, activation_checkpointing, device):
    """Weights as transformers initialises a Llama (normal, std 0.02; norms at one), from a seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    model = llama.LlamaForCausalLM(config, activation_checkpointing)
    with torch.no_grad():
        for name, parameter in model.tensors():
            if name.endswith("norm.weight"):
                parameter.fill_(1.0)
            else:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.02)
    return model.to(device)


def bigram_tokens(vocab, count, seed):
    """A learnable stream: each token is followed by one of 4 successors a seeded table gives it."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, vocab, size=(vocab, 4))
    choices = rng.integers(0, 4, size=count)
    tokens = np.empty(count, dtype=np.uint16)
    token = 0
    for i in range(count):
        tokens[i] = token
        token = successors[token, choices[i]]
    return tokens


class CurveLog(TrainingLog):
    """The engine's log, keeping each step's loss."""

    def __init__(self):
        super().__init__("text", True)
        self.losses = []

    def step(self, step, steps, tokens, loss, lr, norm, tokens_per_second):
        self.losses.append(loss)


def loss_curve(config, split, plan, device, mixed, activation_checkpointing, state_dir):
    """Losses of plan's steps, trained by plrd_torch.train.run as plrd train --engine torch trains."""
    model = seeded_model(config, SEED, activation_checkpointing, device)
    engine = train.Engine(model, distributed.Ranks(0, 1, device), mixed, False)
    log = CurveLog()
    train.run(engine, plan, split, state_dir, False, lambda: False, log)
    return log.losses


def part_curves(summary, expected, smoke, device, work):
    print("== 1. tiny model: %s against the CPU in float32 ==" % (
        "the CPU with activation checkpointing (--smoke)" if smoke else "GPU bf16 autocast"), flush=True)
    config = config_of(expected["tiny"], os.path.join(work, "tiny.json"))
    steps, sequence, micro, accumulation = (6, 64, 2, 2) if smoke else (30, 256, 4, 2)
    step_tokens = sequence * micro * accumulation
    stream = os.path.join(work, "bigram.bin")
    atomic.write_bytes(stream, bigram_tokens(config.vocab_size, 2 * steps * step_tokens, SEED).tobytes())
    split = data.TokenDataset(stream, config.vocab_size).split("train", sequence)
    plan = recipe.Plan(tokens=steps * step_tokens, sequence_length=sequence, micro_batch=micro,
                       global_batch_tokens=step_tokens, learning_rate=3e-3, warmup_steps=steps // 5,
                       checkpoint_every_tokens=steps * step_tokens, seed=SEED)
    cpu = loss_curve(config, split, plan, torch.device("cpu"), False, False, os.path.join(work, "cpu-state"))
    other = loss_curve(config, split, plan, device, True, smoke, os.path.join(work, "device-state"))
    worst = max(abs(a - b) / abs(a) for a, b in zip(cpu, other))
    summary.figure("tinyCpuLosses", [round(x, 5) for x in cpu], " ".join("%.4f" % x for x in cpu))
    summary.figure("tinyDeviceLosses", [round(x, 5) for x in other], " ".join("%.4f" % x for x in other))
    summary.figure("tinyMaxAbsLossDifference", max(abs(a - b) for a, b in zip(cpu, other)),
                   "%.3e" % max(abs(a - b) for a, b in zip(cpu, other)))
    summary.figure("tinyMaxRelLossDifference", worst, "%.3e" % worst)
    summary.check("tiny loss curves agree", len(cpu) == len(other) == steps and worst <= LOSS_TOLERANCE,
                  "%d steps each, max relative difference %.3e (tolerance %.0e); loss %.4f -> %.4f"
                  % (len(other), worst, LOSS_TOLERANCE, cpu[0], cpu[-1]))


def product(expected):
    """The card's entry of the planner's GPU table: device names read as the node labels, spaces as dashes."""
    label = torch.cuda.get_device_name().replace(" ", "-").lower()
    return next((p for p in expected["products"] if p["label"].lower() == label), None)


def fitting(stack, checkpointing, usable):
    """The prediction of the largest micro-batch whose predicted peak fits usable bytes, or None."""
    fits = [p for p in stack["predictions"] if p["checkpointing"] == checkpointing and p["peak"] <= usable]
    return max(fits, key=lambda p: p["microBatch"]) if fits else None


def timed_steps(config, prediction, sequence, device, steps):
    """Trains the stack: (tokens/s over steps after 2 warm-up steps, peak bytes allocated or None on the CPU)."""
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model = seeded_model(config, SEED, prediction["checkpointing"], torch.device("cpu")).to(device)
    engine = train.Engine(model, distributed.Ranks(0, 1, device), True, False)
    adamw = train.optimizer(model)
    for group in adamw.param_groups:
        group["lr"] = 1e-4
    generator = torch.Generator().manual_seed(SEED)
    micro = prediction["microBatch"]
    warmup, started = 2, None
    for step in range(warmup + steps):
        if step == warmup:
            if cuda:
                torch.cuda.synchronize()
            started = time.monotonic()
        window = torch.randint(0, config.vocab_size, (micro, sequence + 1), generator=generator).to(device)
        engine.forward_backward(window[:, :-1], window[:, 1:], 1.0, True)
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.CLIP_NORM)
        adamw.step()
        adamw.zero_grad(set_to_none=True)
    if cuda:
        torch.cuda.synchronize()
    tokens_per_second = steps * micro * sequence / (time.monotonic() - started)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    del engine, model, adamw
    return tokens_per_second, peak


def part_stack(summary, expected, smoke, device, work):
    stack = expected["smokeStack" if smoke else "stack"]
    config = config_of(stack["config"], os.path.join(work, "stack.json"))
    sequence = stack["sequenceLength"]
    ranks = sorted(set(config.ranks.values()))
    print("== 2. factored block stack: hidden %d, intermediate %d, %d heads, %d layers, ranks %s, sequence %d,"
          " %d parameters ==" % (config.hidden_size, config.intermediate_size, config.num_attention_heads,
                                  config.num_hidden_layers, ranks, sequence, stack["parameters"]), flush=True)
    card = product(expected) if device.type == "cuda" else None
    if device.type == "cuda":
        total = torch.cuda.get_device_properties(device).total_memory
        usable = (total - expected["reservedBytes"]) * (1 - expected["fragmentation"])
        summary.figure("device", torch.cuda.get_device_name(), "%s, %.1f GiB, %s" % (
            torch.cuda.get_device_name(), total / 2 ** 30,
            "bf16 peak %.1f TFLOPS" % (card["bf16PeakFlops"] / 1e12) if card else "not in the planner's GPU table"))
    else:
        usable = float("inf")
    for checkpointing in (False, True):
        key = "stackCheckpointing" if checkpointing else "stackNoCheckpointing"
        prediction = fitting(stack, checkpointing, usable)
        if prediction is None:
            summary.figure(key, None, "no micro-batch fits the card by the planner's prediction")
            continue
        micro = prediction["microBatch"]
        try:
            tokens_per_second, peak = timed_steps(config, prediction, sequence, device, 3 if smoke else 5)
        except RuntimeError as e:
            if "out of memory" not in str(e):
                raise
            summary.check("%s micro-batch %d fits" % (key, micro), False,
                          "out of memory where the planner predicted %.2f GiB: %s"
                          % (prediction["peak"] / 2 ** 30, str(e).splitlines()[0]))
            continue
        mfu = tokens_per_second * stack["flopsPerToken"] / card["bf16PeakFlops"] if card else None
        figures = {"microBatch": micro, "tokensPerSecond": round(tokens_per_second, 1), "mfu": mfu,
                   "peakBytes": peak, "predictedPeakBytes": prediction["peak"],
                   "predictedTerms": {k: prediction[k] for k in
                                      ("weights", "gradients", "optimizer", "gathered", "activations", "logits")}}
        summary.figure(key, figures, "micro-batch %d: %.0f tokens/s, MFU %s, peak %s against the planner's %.2f GiB"
                       % (micro, tokens_per_second, "%.1f%%" % (100 * mfu) if mfu is not None else "n/a",
                          "%.2f GiB" % (peak / 2 ** 30) if peak is not None else "n/a on the CPU",
                          prediction["peak"] / 2 ** 30))
        summary.check("%s trains" % key, tokens_per_second > 0, "%.0f tokens/s" % tokens_per_second)
        if peak is not None:
            ratio = peak / prediction["peak"]
            summary.check("%s memory as planned" % key, MEMORY_RANGE[0] <= ratio <= MEMORY_RANGE[1],
                          "measured / predicted peak %.3f (allowed %.1f to %.1f)" % (ratio, *MEMORY_RANGE))


def part_two_ranks(summary, expected, work):
    print("== 3. FSDP2: 2 processes sharing the GPU ==", flush=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    logs, processes = [], []
    for rank in range(2):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK="0", MASTER_ADDR="127.0.0.1",
                   MASTER_PORT=str(port))
        log = open(os.path.join(work, "rank-%d.log" % rank), "w+")
        logs.append(log)
        processes.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--two-rank-worker", work],
                                          env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        codes = [p.wait(timeout=TWO_RANK_TIMEOUT_S) for p in processes]
    except subprocess.TimeoutExpired:
        for p in processes:
            p.kill()
        codes = [p.wait() for p in processes]
    outputs = []
    for log in logs:
        log.seek(0)
        outputs.append(log.read())
        log.close()
    result = next((line for line in outputs[0].splitlines() if line.startswith("{")), None)
    if codes == [0, 0] and result:
        outcome = json.loads(result)
        summary.figure("twoRanks", outcome, "%s on 2 ranks, losses %s" % (outcome["engine"], outcome["losses"]))
        summary.check("2-rank FSDP2 step", outcome["engine"] == "FSDP2" and all(
            np.isfinite(outcome["losses"])), "engine %s, losses %s" % (outcome["engine"], outcome["losses"]))
    else:
        last = [line for o in outputs for line in o.strip().splitlines()[-1:]]
        summary.figure("twoRanks", None, "two ranks could not share this GPU (exit codes %s): %s"
                       % (codes, " | ".join(last)))


def two_rank_worker(work):
    """One rank of part 3: the tiny model under FSDP2, 2 steps on seeded windows; rank 0 prints the losses."""
    ranks = distributed.start()
    try:
        with open(EXPECTED, encoding="utf-8") as f:
            config = config_of(json.load(f)["tiny"], os.path.join(work, "tiny-rank-%d.json" % ranks.rank))
        model = seeded_model(config, SEED, False, ranks.device)
        engine = train.Engine(model, ranks, True, False)
        adamw = train.optimizer(model)
        for group in adamw.param_groups:
            group["lr"] = 1e-3
        generator = torch.Generator().manual_seed(SEED + ranks.rank)
        losses = []
        for _ in range(2):
            window = torch.randint(0, config.vocab_size, (2, 129), generator=generator).to(ranks.device)
            loss = engine.forward_backward(window[:, :-1], window[:, 1:], 1.0, True)
            adamw.step()
            adamw.zero_grad(set_to_none=True)
            losses.append(ranks.sum([loss])[0] / ranks.world)
        if ranks.main:
            print(json.dumps({"engine": engine.kind, "losses": [round(x, 5) for x in losses]}), flush=True)
    finally:
        distributed.stop(ranks)


def part_remote_code(summary, expected, work):
    print("== 4. a factored member in transformers (trust_remote_code) ==", flush=True)
    try:
        from transformers import AutoModelForCausalLM
        import transformers
    except ImportError:
        summary.figure("transformers", None, "not installed: a member's loading in transformers is not checked")
        return
    fields = dict(expected["tiny"], plrd={"ranks": REMOTE_CODE_RANKS},
                  auto_map={"AutoModelForCausalLM": "modeling_plrd.PlrdLlamaForCausalLM"})
    source = os.path.join(work, "member-source")
    os.makedirs(source)
    config = config_of(fields, os.path.join(source, checkpoint.CONFIG))
    engine_model = seeded_model(config, SEED, False, torch.device("cpu")).eval()
    member = os.path.join(work, "member")
    tensors = [(name, t.detach()) for name, t in engine_model.tensors()]
    checkpoint.write(member, source, tensors, {name: "F32" for name, _ in tensors})
    loaded = AutoModelForCausalLM.from_pretrained(member, trust_remote_code=True, torch_dtype=torch.float32).eval()
    tokens = torch.from_numpy(bigram_tokens(config.vocab_size, 2 * 128, SEED + 1).astype(np.int64)).view(2, 128)
    with torch.no_grad():
        theirs = loaded(tokens).logits.float()
        ours = engine_model(tokens)
    difference = (theirs - ours).abs().max().item() / ours.abs().max().item()
    summary.figure("remote_code_logit_difference", difference, "%.2e of the largest logit (transformers %s, %s)" % (
        difference, transformers.__version__, type(loaded).__name__))
    summary.check("member loads in transformers", difference <= REMOTE_CODE_TOLERANCE and
                  type(loaded).__name__ == "PlrdLlamaForCausalLM",
                  "%s, relative logit difference %.2e (at most %.0e)" % (type(loaded).__name__, difference,
                                                                         REMOTE_CODE_TOLERANCE))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="parts 1 and 2 at toy sizes on the CPU")
    parser.add_argument("--json", help="also write the summary to this file")
    parser.add_argument("--two-rank-worker", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.two_rank_worker:
        return two_rank_worker(args.two_rank_worker)
    if not args.smoke and not torch.cuda.is_available():
        print("gpu-check: no CUDA device (torch %s); run with --smoke for the CPU-sized check" % torch.__version__,
              file=sys.stderr)
        return 2
    with open(EXPECTED, encoding="utf-8") as f:
        expected = json.load(f)
    device = torch.device("cpu") if args.smoke else torch.device("cuda", 0)
    started = time.monotonic()
    summary = Summary()
    print("gpu-check: torch %s, %s" % (torch.__version__, "smoke, CPU only" if args.smoke else "CUDA"), flush=True)
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as work:
        part_curves(summary, expected, args.smoke, device, work)
        part_stack(summary, expected, args.smoke, device, work)
        if not args.smoke:
            part_two_ranks(summary, expected, work)
        part_remote_code(summary, expected, work)
    summary.figure("seconds", round(time.monotonic() - started, 1), "%.1f" % (time.monotonic() - started))
    summary.print()
    if args.json:
        atomic.write_bytes(args.json, json.dumps(summary.as_json(), indent=2).encode("utf-8"))
    return 1 if summary.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
