"""Held-out perplexity as dev.plrd.evaluate.Perplexity measures it: the first windows of the split's seeded order,
micro-batch by micro-batch, the loss of each weighted by its tokens; micro-batches are dealt to the ranks in turn
and the sums added up, so any number of ranks measures the same windows."""
import math
import time

import torch

from .data import BatchSampler


def measure(model, split, tokens, seed, micro_batch, ranks):
    """(loss, perplexity, tokens counted, seconds) over at least tokens tokens (whole windows; at most the split)."""
    seq = split.sequence_length
    windows = min(split.windows, max(1, (tokens + seq - 1) // seq))
    sampler = BatchSampler(split, seed)
    started = time.monotonic()
    total, counted = 0.0, 0
    model.eval()
    with torch.no_grad():
        done, batch = 0, 0
        while done < windows:
            rows = min(micro_batch, windows - done)
            inputs, targets = sampler.next(rows)
            if batch % ranks.world == ranks.rank:
                loss = model.loss(torch.from_numpy(inputs).to(ranks.device), torch.from_numpy(targets).to(ranks.device))
                total += loss.item() * rows * seq
                counted += rows * seq
            done += rows
            batch += 1
    total, counted = ranks.sum([total, float(counted)])
    loss = total / counted
    perplexity = math.exp(loss) if loss < 700 else float("inf")
    return loss, perplexity, int(counted), time.monotonic() - started


def judge(member, parent, max_ratio):
    """EvaluationGate: None when it passes, else (outcome, message); member and parent are (name, loss, ppl)."""
    for name, loss, perplexity in [m for m in (member, parent) if m is not None]:
        if not (math.isfinite(loss) and math.isfinite(perplexity)):
            return "non-finite", ("%s computes a non-finite loss (loss %s, perplexity %s): its weights or config.json"
                                  " hold NaN, infinite or overflowing values" % (name, loss, perplexity))
    if parent is None or max_ratio is None:
        return None
    ratio = member[2] / parent[2]
    if not ratio <= max_ratio:
        return "refused", ("%s: perplexity %.4f is %.3f times the parent's %.4f, above evaluation.maxPerplexityRatio %s"
                           % (member[0], member[2], ratio, parent[2], max_ratio))
    return None
