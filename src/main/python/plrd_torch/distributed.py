"""Ranks, as torchrun sets them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT): gloo on
CPUs, NCCL on GPUs; one process without them. RANK and WORLD_SIZE count the ranks of all nodes and deal the data;
LOCAL_RANK picks this node's GPU."""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Ranks:
    rank: int
    world: int
    device: torch.device
    # nodes the ranks span: WORLD_SIZE over LOCAL_WORLD_SIZE
    nodes: int = 1

    @property
    def main(self):
        return self.rank == 0

    def sum(self, values):
        """values (floats) summed over the ranks, in float64."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    def any(self, flag):
        """Whether any rank says so: a stop request is acted on by all ranks at the same micro-batch."""
        return self.sum([1.0 if flag else 0.0])[0] > 0

    def barrier(self):
        if self.world > 1:
            dist.barrier()


def start():
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    per_node = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world)
    return Ranks(rank, world, device, world // per_node)


def stop(ranks):
    if ranks.world > 1 and dist.is_initialized():
        dist.destroy_process_group()
