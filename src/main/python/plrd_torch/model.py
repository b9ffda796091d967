"""A Llama/Mistral causal LM that computes what transformers' LlamaForCausalLM computes, with each projection dense
or factored (A(B(x))) as config.json's plrd ranks say. Module names follow Hugging Face, so the state dict's names
are the checkpoint's tensor names. It mirrors dev.plrd.train.LlamaModel, its CPU reference, down to how the rotary
tables are rounded."""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint as recompute

# PyTorch >= 2.0: one fused kernel (flash attention on CUDA); 1.13 computes the scores itself
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class LowRankLinear(nn.Module):
    """W ~ A B: B [r, in] projects down, A [out, r] back up; the product is never formed."""

    def __init__(self, in_features, out_features, rank):
        super().__init__()
        self.B = nn.Linear(in_features, rank, bias=False)
        self.A = nn.Linear(rank, out_features, bias=False)

    def forward(self, x):
        return self.A(self.B(x))


def linear(config, module, projection):
    out, inp = config.features(projection)
    rank = config.ranks.get(module)
    return LowRankLinear(inp, out, rank) if rank else nn.Linear(inp, out, bias=False)


class RmsNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        # a division, as the reference divides: rsqrt rounds differently
        return (x / torch.sqrt(x.square().mean(-1, keepdim=True) + self.eps) * self.weight.float()).to(dtype)


def rotary_tables(length, head_dim, theta, device):
    """cos and sin [length, head_dim], rounded as Positions.java rounds them: the inverse frequencies in float32
    from a double power, each angle a float32 product, its cosine taken in double and rounded to float32."""
    exponents = np.arange(0, head_dim, 2, dtype=np.float32) / np.float32(head_dim)
    inverse = (np.float32(1) / np.power(np.float64(theta), exponents.astype(np.float64)).astype(np.float32))
    angles = np.arange(length, dtype=np.float32)[:, None] * inverse[None, :]
    angles = np.concatenate([angles, angles], axis=1).astype(np.float64)
    return (torch.from_numpy(np.cos(angles).astype(np.float32)).to(device),
            torch.from_numpy(np.sin(angles).astype(np.float32)).to(device))


def rotate(x, cos, sin):
    """x cos + rotate_half(x) sin, rotate_half pairing element i with i + d/2."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos + rotated * sin


def causal_mask(length, window, device):
    """True where a query may attend to a key: not the future, and within a Mistral sliding window."""
    query = torch.arange(length, device=device)[:, None]
    key = torch.arange(length, device=device)[None, :]
    allowed = key <= query
    if window is not None:
        allowed &= query - key < window
    return allowed


class Attention(nn.Module):
    def __init__(self, config, prefix):
        super().__init__()
        self.config = config
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            setattr(self, name, linear(config, prefix + name, "self_attn." + name))

    def forward(self, x, cos, sin, mask):
        c = self.config
        batch, length, _ = x.shape

        def heads(t, count):
            return t.view(batch, length, count, c.head_dim).transpose(1, 2)

        dtype = x.dtype
        q = rotate(heads(self.q_proj(x), c.num_attention_heads).float(), cos, sin).to(dtype)
        k = rotate(heads(self.k_proj(x), c.num_key_value_heads).float(), cos, sin).to(dtype)
        v = heads(self.v_proj(x), c.num_key_value_heads)
        groups = c.num_attention_heads // c.num_key_value_heads
        if groups > 1:
            # grouped-query attention as repeat_kv: query head h reads key/value head h // groups
            k = k.repeat_interleave(groups, dim=1)
            v = v.repeat_interleave(groups, dim=1)
        if HAS_SDPA:
            causal = c.sliding_window is None or c.sliding_window >= length
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=None if causal else mask, is_causal=causal)
        else:
            scale = np.float32(1 / math.sqrt(c.head_dim)).item()
            scores = torch.matmul(q, k.transpose(2, 3)).float() * scale
            scores = scores.masked_fill(~mask, float("-inf"))
            attended = torch.matmul(scores.softmax(-1).to(v.dtype), v)
        return self.o_proj(attended.transpose(1, 2).reshape(batch, length, c.num_attention_heads * c.head_dim))


class Mlp(nn.Module):
    def __init__(self, config, prefix):
        super().__init__()
        for name in ("gate_proj", "up_proj", "down_proj"):
            setattr(self, name, linear(config, prefix + name, "mlp." + name))

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, config, index):
        super().__init__()
        prefix = "model.layers.%d." % index
        self.input_layernorm = RmsNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = Attention(config, prefix + "self_attn.")
        self.post_attention_layernorm = RmsNorm(config.hidden_size, config.rms_norm_eps)
        self.mlp = Mlp(config, prefix + "mlp.")

    def forward(self, h, cos, sin, mask):
        h = h + self.self_attn(self.input_layernorm(h), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Decoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = RmsNorm(config.hidden_size, config.rms_norm_eps)


class LlamaForCausalLM(nn.Module):
    def __init__(self, config, activation_checkpointing=False):
        super().__init__()
        self.config = config
        self.activation_checkpointing = activation_checkpointing
        self.model = Decoder(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight
        self._tables = None

    def _positions(self, length, device):
        if self._tables is None or self._tables[0].shape[0] < length or self._tables[0].device != device:
            c = self.config
            cos, sin = rotary_tables(length, c.head_dim, c.rope_theta, device)
            self._tables = (cos, sin, causal_mask(length, c.sliding_window, device))
        cos, sin, mask = self._tables
        return cos[:length], sin[:length], mask[:length, :length]

    def forward(self, tokens):
        """tokens int64 [batch, length] to float32 logits [batch, length, vocab]."""
        cos, sin, mask = self._positions(tokens.shape[1], tokens.device)
        h = self.model.embed_tokens(tokens)
        for layer in self.model.layers:
            if self.activation_checkpointing and self.training:
                h = recompute(layer, h, cos, sin, mask, use_reentrant=False)
            else:
                h = layer(h, cos, sin, mask)
        return self.lm_head(self.model.norm(h)).float()

    def loss(self, inputs, targets):
        return cross_entropy(self(inputs), targets)

    def tensors(self):
        """(name, parameter) in the checkpoint's canonical order, a tied lm_head left out."""
        params = self.state_dict(keep_vars=True)
        return [(name, params[name]) for name, _ in self.config.layout()]


def cross_entropy(logits, targets):
    """Mean next-token cross-entropy over every position; targets[b, t] follows inputs[b, t]."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def load(checkpoint, device="cpu", activation_checkpointing=False):
    """The model with the checkpoint's weights as float32 parameters (the master weights)."""
    model = LlamaForCausalLM(checkpoint.config, activation_checkpointing)
    with torch.no_grad():
        for name, parameter in model.tensors():
            parameter.copy_(checkpoint.read(name))
    return model.to(device)
