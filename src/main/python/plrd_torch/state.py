"""The resumable state of a training run, laid out as TrainState.java lays out its own:

    latest                      the name of the newest complete snapshot, replaced atomically
    step-00000042/state.json    step, tokens seen, data position (epoch, index), loss, the plan's identity
    step-00000042/...           weights and AdamW moments

The weights and moments are saved with torch.distributed.checkpoint where the model is sharded (FSDP2): each rank
writes its shards, and a run on another world size reads them resharded. A replicated model (one process, or DDP
on CPUs, as on PyTorch 1.13) is saved by rank 0 with torch.save. A snapshot is written under a temporary name and
renamed whole; only then does latest move and are older snapshots deleted.

Ranks on several nodes need the directory on storage that every node mounts (check_shared)."""
import json
import os
import secrets
import shutil

import torch

from . import atomic
from .contract import InvalidInput

FORMAT = "plrd-torch-train-state/v1"
LATEST = "latest"
STATE = "state.json"
REPLICATED = "replicated.pt"
PROBE = ".shared-probe"


def _dcp():
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict
    return dcp, get_state_dict, set_state_dict


def check_shared(directory, ranks):
    """Refuses a state directory that the nodes do not share. Every rank writes its shards into it (FSDP2) and every
    rank reads the snapshot back on resume: on a node that sees another directory under the same path, the ranks would
    resume from different steps and train on silently. Rank 0 leaves a random number there; every rank reads it."""
    probe = os.path.join(directory, PROBE)
    if ranks.main:
        os.makedirs(directory, exist_ok=True)
        number = secrets.randbelow(2 ** 48) + 1
        atomic.write_bytes(probe, str(number).encode("ascii"))
    # the number reaches every rank by a sum to which only rank 0 adds (float64 holds it exactly)
    expected = ranks.sum([number if ranks.main else 0.0])[0]
    try:
        with open(probe, encoding="ascii") as f:
            seen = int(f.read())
    except (OSError, ValueError):
        seen = None
    blind = int(ranks.sum([0.0 if seen == expected else 1.0])[0])
    if ranks.main:
        os.remove(probe)
    if blind:
        raise InvalidInput("--state %s is not shared by the nodes: %d of %d ranks do not see what rank 0 wrote there;"
                           " with ranks on %d nodes the training state must lie on storage that every node mounts"
                           " (a ReadWriteMany volume), as every rank writes and resumes it"
                           % (directory, blind, ranks.world, ranks.nodes))


def save(directory, progress, model, optimizer, ranks, sharded):
    name = "step-%08d" % progress["step"]
    snapshot = os.path.join(directory, name)
    # the same temporary name on every rank, in the pattern a later writer's clean-up recognises
    temp = os.path.join(directory, ".%s.tmp-%016x" % (name, progress["step"]))
    if ranks.main:
        os.makedirs(directory, exist_ok=True)
        shutil.rmtree(temp, ignore_errors=True)
        os.mkdir(temp)
    ranks.barrier()
    if sharded:
        dcp, get_state_dict, _ = _dcp()
        weights, moments = get_state_dict(model, optimizer)
        dcp.save({"model": weights, "optimizer": moments}, checkpoint_id=temp)
    elif ranks.main:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, os.path.join(temp, REPLICATED))
    ranks.barrier()
    if ranks.main:
        with open(os.path.join(temp, STATE), "w", encoding="utf-8") as f:
            json.dump(dict(progress, format=FORMAT, sharded=sharded), f, indent=2)
        atomic.sync_directory(temp)
        shutil.rmtree(snapshot, ignore_errors=True)
        os.rename(temp, snapshot)
        atomic.write_bytes(os.path.join(directory, LATEST), name.encode("utf-8"))
        for old in os.listdir(directory):
            if old not in (name, LATEST):
                path = os.path.join(directory, old)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    ranks.barrier()


def load(directory, plan_identity, model, optimizer, sharded):
    """Restores the newest snapshot into model and optimizer and returns its progress; None when there is none."""
    latest = os.path.join(directory, LATEST)
    if not os.path.isfile(latest):
        return None
    with open(latest, encoding="utf-8") as f:
        snapshot = os.path.join(directory, f.read().strip())
    try:
        with open(os.path.join(snapshot, STATE), encoding="utf-8") as f:
            progress = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise InvalidInput("%s: not a readable training state: %s" % (os.path.join(snapshot, STATE), e)) from e
    if progress.get("format") != FORMAT:
        raise InvalidInput("%s has format %s, expected %s (a state of the other engine cannot be resumed here)"
                           % (snapshot, progress.get("format"), FORMAT))
    if progress.get("plan") != plan_identity:
        raise InvalidInput("%s was written by another training run (%s), not this one (%s); use a new --state"
                           " directory or the original flags" % (snapshot, progress.get("plan"), plan_identity))
    if progress["sharded"] != sharded:
        raise InvalidInput("%s was saved %s and this run is %s; resume on the engine setup that saved it"
                           % (snapshot, *(("sharded" if s else "replicated") for s in (progress["sharded"], sharded))))
    if sharded:
        dcp, get_state_dict, set_state_dict = _dcp()
        weights, moments = get_state_dict(model, optimizer)
        state = {"model": weights, "optimizer": moments}
        dcp.load(state, checkpoint_id=snapshot)
        set_state_dict(model, optimizer, model_state_dict=state["model"], optim_state_dict=state["optimizer"])
    else:
        saved = torch.load(os.path.join(snapshot, REPLICATED), map_location="cpu")
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
    return progress
