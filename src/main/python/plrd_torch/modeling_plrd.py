"""The model code a PLRD member checkpoint carries, so that transformers loads the member as it is, factored:

    AutoModelForCausalLM.from_pretrained(member_dir, trust_remote_code=True)

config.json's auto_map names one of the classes below for AutoModelForCausalLM; its architectures and model_type
stay those of the parent (Llama or Mistral), so AutoConfig reads it with transformers' own config class, which keeps
the plrd section as an attribute. Each class builds its parent architecture, then swaps every linear that
plrd.ranks names for W ~ A B (tensors <module>.A.weight [out, rank] and <module>.B.weight [rank, in]), the same
module plrd_torch.model.LowRankLinear is, so the state dict's names are the checkpoint's tensor names.

This file is copied into checkpoints as it is and imported by transformers on its own: it imports torch and
transformers only, nothing of plrd_torch."""
from torch import nn
from transformers import LlamaForCausalLM, MistralForCausalLM


class LowRankLinear(nn.Module):
    """W ~ A B: B [rank, in] projects down, A [out, rank] back up; the product is never formed."""

    def __init__(self, in_features, out_features, rank, dtype=None, device=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.B = nn.Linear(in_features, rank, bias=False, dtype=dtype, device=device)
        self.A = nn.Linear(rank, out_features, bias=False, dtype=dtype, device=device)

    def forward(self, x):
        return self.A(self.B(x))


def factor(model, config):
    """Replaces each linear that config.plrd["ranks"] names (such as model.layers.0.self_attn.q_proj) by its
    factored form, on the device and in the dtype transformers built it with (the meta device while loading)."""
    plrd = getattr(config, "plrd", None) or {}
    for name, rank in (plrd.get("ranks") or {}).items():
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name)
        dense = getattr(parent, child)
        if not isinstance(dense, nn.Linear):
            raise ValueError("plrd.ranks names %s, which is not a linear of this model" % name)
        setattr(parent, child, LowRankLinear(dense.in_features, dense.out_features, int(rank),
                                             dtype=dense.weight.dtype, device=dense.weight.device))


class PlrdLlamaForCausalLM(LlamaForCausalLM):
    """A Llama member: LlamaForCausalLM with the factored linears of its plrd section."""

    def __init__(self, config):
        super().__init__(config)
        factor(self, config)


class PlrdMistralForCausalLM(MistralForCausalLM):
    """A Mistral member: MistralForCausalLM with the factored linears of its plrd section."""

    def __init__(self, config):
        super().__init__(config)
        factor(self, config)
