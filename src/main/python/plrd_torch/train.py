"""Continual pretraining, the recipe of dev.plrd.train.Trainer: causal LM on the seeded windows, AdamW (0.9, 0.95,
1e-8; decay 0.1 on matrices and embeddings, none on norms), warmup plus cosine to 10%, global-norm clipping at
1.0, micro-batches accumulated to the global batch. The micro-batches of a step are dealt to the ranks in turn,
so N ranks compute the step one rank computes.

Engines by where it runs:
- CUDA, several ranks, PyTorch >= 2.4: FSDP2 fully_shard per decoder block, bf16 compute with float32 master
  weights and reductions (--precision mixed), sharded state through torch.distributed.checkpoint.
- CUDA, one rank: the model as it is, bf16 autocast under --precision mixed.
- CPU: float32; several ranks (gloo) replicate the model with DDP. PyTorch 1.13 has no FSDP2, and its FSDP1
  does not import on Python 3.11."""
import contextlib
import math
import time

import torch
from torch.nn.parallel import DistributedDataParallel

from . import plan as recipe, state
from .contract import NonFiniteLoss
from .data import BatchSampler
from .model import cross_entropy


def fully_shard_api():
    """FSDP2's fully_shard and MixedPrecisionPolicy, or None where this torch has no FSDP2."""
    for module in ("torch.distributed.fsdp", "torch.distributed._composable.fsdp"):
        try:
            imported = __import__(module, fromlist=["fully_shard", "MixedPrecisionPolicy"])
            return imported.fully_shard, imported.MixedPrecisionPolicy
        except (ImportError, AttributeError, TypeError, ValueError):
            continue
    return None


class Engine:
    """The model as the ranks run it: sharded, replicated or alone, and how its forward is cast."""

    def __init__(self, model, ranks, mixed, compile_blocks):
        self.model = model
        self.ranks = ranks
        cuda = ranks.device.type == "cuda"
        self.sharded = False
        self.autocast = cuda and mixed
        if compile_blocks and hasattr(torch, "compile"):
            for layer in model.model.layers:
                layer.forward = torch.compile(layer.forward)
        api = fully_shard_api() if cuda and ranks.world > 1 else None
        if api is not None:
            fully_shard, policy = api
            mp = policy(param_dtype=torch.bfloat16 if mixed else torch.float32, reduce_dtype=torch.float32)
            for layer in model.model.layers:
                fully_shard(layer, mp_policy=mp)
            fully_shard(model, mp_policy=mp)
            self.sharded, self.autocast, self.wrapped = True, False, model
            self.kind = "FSDP2"
        elif ranks.world > 1:
            self.wrapped = DistributedDataParallel(model, device_ids=[ranks.device] if cuda else None)
            self.kind = "DDP"
        else:
            self.wrapped = model
            self.kind = "single process"

    def forward_backward(self, inputs, targets, factor, sync):
        """One micro-batch: the loss (unscaled) after the backward pass of loss * factor."""
        no_sync = self.wrapped.no_sync() if isinstance(self.wrapped, DistributedDataParallel) and not sync \
            else contextlib.nullcontext()
        if self.sharded:
            self.wrapped.set_requires_gradient_sync(sync)
        cast = torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext()
        with no_sync:
            with cast:
                loss = cross_entropy(self.wrapped(inputs), targets)
            (loss * factor).backward()
        return loss.item()


def optimizer(model):
    parameters = list(model.parameters())
    return torch.optim.AdamW([
        {"params": [p for p in parameters if p.dim() >= 2], "weight_decay": recipe.WEIGHT_DECAY},
        {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}],
        lr=0.0, betas=recipe.BETAS, eps=recipe.EPSILON)


def run(engine, plan, split, state_dir, resume, stop, log):
    """Trains until the budget is spent or stop() says so (asked before each micro-batch; a step cut short is
    dropped and the last whole step's state saved). Returns a dict: steps, tokens, loss, tokensPerSecond, seconds,
    stopped, resumedAt."""
    ranks = engine.ranks
    model = engine.model
    adamw = optimizer(model)
    progress = state.load(state_dir, plan.identity(), model, adamw, engine.sharded) if resume else None
    step = progress["step"] if progress else 0
    loss = progress["loss"] if progress else float("nan")
    sampler = BatchSampler(split, plan.seed, *((progress["epoch"], progress["index"]) if progress else (0, 0)))
    position = sampler.position()
    if step > 0:
        log.line("train: resumed at step %d of %d" % (step, plan.steps))
    resumed_at, saved_at, stopped = step, step, False
    started = time.monotonic()
    if plan.accumulation % ranks.world:
        raise ValueError("the caller checks that the ranks share the micro-batches evenly")
    mine = plan.accumulation // ranks.world
    model.train()

    def save():
        # where the last whole step left the data: a step cut short has drawn windows that the next attempt redraws
        epoch, index = position
        state.save(state_dir, {"plan": plan.identity(), "step": step, "tokensSeen": step * plan.step_tokens,
                               "epoch": epoch, "index": index, "loss": loss}, model, adamw, ranks, engine.sharded)
        log.saved(step, state_dir)

    while step < plan.steps:
        total, done = 0.0, 0
        for micro in range(plan.accumulation):
            # asked once per round of one micro-batch per rank, so that no rank is inside DDP's all-reduce meanwhile
            if micro % ranks.world == 0 and ranks.any(stop()):
                break
            inputs, targets = sampler.next(plan.micro_batch)
            if micro % ranks.world == ranks.rank:
                done += 1
                # DDP and FSDP average the gradients over the ranks: each rank's share counts world / accumulation
                total += engine.forward_backward(torch.from_numpy(inputs).to(ranks.device),
                                                 torch.from_numpy(targets).to(ranks.device),
                                                 ranks.world / plan.accumulation, sync=done == mine)
        else:
            step_loss = ranks.sum([total])[0] / plan.accumulation
            if not math.isfinite(step_loss):
                raise NonFiniteLoss("training diverged at step %d: the loss is not finite; lower --lr, or train in"
                                    " float32" % (step + 1))
            norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.CLIP_NORM))
            if not math.isfinite(norm):
                raise NonFiniteLoss("training diverged at step %d: the gradients are not finite (loss %.4f); lower"
                                    " --lr, or train in float32" % (step + 1, step_loss))
            lr = plan.learning_rate_at(step)
            for group in adamw.param_groups:
                group["lr"] = lr
            adamw.step()
            adamw.zero_grad(set_to_none=True)
            step += 1
            position = sampler.position()
            loss = step_loss
            seconds = time.monotonic() - started
            log.step(step, plan.steps, step * plan.step_tokens, loss, lr, norm,
                     (step - resumed_at) * plan.step_tokens / seconds if seconds > 0 else 0.0)
            if step % plan.checkpoint_every_steps == 0 or step == plan.steps:
                save()
                saved_at = step
            continue
        # a stop request: the partial step's gradients are dropped
        adamw.zero_grad(set_to_none=True)
        stopped = True
        break
    if stopped and saved_at < step:
        save()
    seconds = time.monotonic() - started
    trained = (step - resumed_at) * plan.step_tokens
    return {"steps": step, "tokens": step * plan.step_tokens, "loss": loss, "seconds": seconds, "stopped": stopped,
            "resumedAt": resumed_at, "tokensPerSecond": trained / seconds if seconds > 0 else 0.0}
