"""Checkpoints in Hugging Face layout, as dev.plrd.model reads and writes them: config.json with its plrd section,
model.safetensors or shards listed by model.safetensors.index.json, factored projections as {module}.A.weight
[out, r] and {module}.B.weight [r, in]."""
import json
import os
import shutil
from dataclasses import dataclass, field

from . import atomic, safetensors
from .contract import InvalidInput

CONFIG = "config.json"
SINGLE_FILE = "model.safetensors"
INDEX = "model.safetensors.index.json"
# transformers' default max_shard_size, "5GB", as CheckpointWriter.DEFAULT_MAX_SHARD_BYTES
MAX_SHARD_BYTES = 5_000_000_000
AUXILIARY_FILES = ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                   "generation_config.json")
ARCHITECTURES = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM"}
PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
EMBED_TOKENS = "model.embed_tokens.weight"
FINAL_NORM = "model.norm.weight"
LM_HEAD = "lm_head.weight"
ROTARY_CACHE = ".rotary_emb.inv_freq"
# the transformers model code of a factored checkpoint, beside this file; config.json's auto_map, which the
# decompose stage (dev.plrd.model.RemoteCode) writes, points at it
REMOTE_CODE = "modeling_plrd.py"


@dataclass(frozen=True)
class Config:
    """The fields of config.json that shape the forward, read with ModelConfig's defaults and rules."""
    architecture: str
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    tie_word_embeddings: bool
    rope_theta: float
    rms_norm_eps: float
    max_position_embeddings: int
    head_dim: int
    torch_dtype: str
    sliding_window: int = None
    ranks: dict = field(default_factory=dict)

    def features(self, projection):
        """(out, in) of a projection."""
        q = self.num_attention_heads * self.head_dim
        kv = self.num_key_value_heads * self.head_dim
        return {"self_attn.q_proj": (q, self.hidden_size), "self_attn.k_proj": (kv, self.hidden_size),
                "self_attn.v_proj": (kv, self.hidden_size), "self_attn.o_proj": (self.hidden_size, q),
                "mlp.gate_proj": (self.intermediate_size, self.hidden_size),
                "mlp.up_proj": (self.intermediate_size, self.hidden_size),
                "mlp.down_proj": (self.hidden_size, self.intermediate_size)}[projection]

    def layout(self):
        """Every tensor (name, shape) in LlamaLayout's canonical order."""
        tensors = [(EMBED_TOKENS, (self.vocab_size, self.hidden_size))]
        for layer in range(self.num_hidden_layers):
            prefix = "model.layers.%d." % layer
            tensors.append((prefix + "input_layernorm.weight", (self.hidden_size,)))
            tensors.append((prefix + "post_attention_layernorm.weight", (self.hidden_size,)))
            for projection in PROJECTIONS:
                module = prefix + projection
                out, inp = self.features(projection)
                rank = self.ranks.get(module)
                if rank:
                    tensors.append((module + ".A.weight", (out, rank)))
                    tensors.append((module + ".B.weight", (rank, inp)))
                else:
                    tensors.append((module + ".weight", (out, inp)))
        tensors.append((FINAL_NORM, (self.hidden_size,)))
        if not self.tie_word_embeddings:
            tensors.append((LM_HEAD, (self.vocab_size, self.hidden_size)))
        return tensors


def parse_config(path):
    """config.json, refused with a message naming the file and the field where this model would compute something
    other than transformers does (ModelConfig and ArchitectureOptions apply the same rules)."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except OSError as e:
        raise InvalidInput("%s: cannot be read: %s" % (path, e.strerror)) from e
    except json.JSONDecodeError as e:
        raise InvalidInput("%s: is not valid JSON: %s" % (path, e)) from e
    if not isinstance(raw, dict):
        raise InvalidInput("%s: is not a JSON object" % path)

    def fail(message):
        raise InvalidInput("%s: %s" % (path, message))

    def positive_int(name, default=None):
        value = raw.get(name)
        if value is None:
            if default is None:
                fail("has no " + name)
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail("%s must be a positive integer, got %s" % (name, json.dumps(value)))
        return value

    def positive_float(name, default):
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            fail("%s must be a finite number above zero, got %s" % (name, json.dumps(value)))
        return float(value)

    architectures = raw.get("architectures")
    if architectures is not None:
        if not isinstance(architectures, list) or not architectures:
            fail("architectures must be a list naming the model class, got %s" % json.dumps(architectures))
        architecture = architectures[0]
    else:
        architecture = ARCHITECTURES.get(raw.get("model_type"))
        if architecture is None:
            fail("has no architectures list and model_type %s is not supported (expected architectures "
                 "[LlamaForCausalLM|MistralForCausalLM] or model_type llama|mistral)" % json.dumps(raw.get("model_type")))
    if architecture not in ARCHITECTURES.values():
        fail("architecture '%s' is not supported (supported: LlamaForCausalLM, MistralForCausalLM)" % architecture)
    scaling = raw.get("rope_scaling")
    if isinstance(scaling, dict) and scaling.get("rope_type", scaling.get("type", "default")) != "default":
        fail("rope_scaling %s is not supported (only the default rotary embedding)" % json.dumps(scaling))
    for bias in ("attention_bias", "mlp_bias"):
        if raw.get(bias) is True:
            fail("%s is true, but this model has no biases" % bias)
    if raw.get("hidden_act", "silu") != "silu":
        fail("hidden_act '%s' is not supported (only silu)" % raw.get("hidden_act"))
    hidden = positive_int("hidden_size")
    heads = positive_int("num_attention_heads")
    kv_heads = positive_int("num_key_value_heads", heads)
    if "head_dim" not in raw and hidden % heads:
        fail("hidden_size %d is not a multiple of num_attention_heads %d and head_dim is not given" % (hidden, heads))
    if heads % kv_heads:
        fail("num_attention_heads %d is not a multiple of num_key_value_heads %d" % (heads, kv_heads))
    window = raw.get("sliding_window")
    # transformers' LlamaConfig has no sliding window: a Llama config that carries one attends to everything
    if architecture != "MistralForCausalLM" or window is None:
        window = None
    elif isinstance(window, bool) or not isinstance(window, int) or window < 1:
        fail("sliding_window must be a positive integer or null, got %s" % json.dumps(window))
    layers = positive_int("num_hidden_layers")
    plrd = raw.get("plrd") or {}
    if not isinstance(plrd, dict):
        fail("plrd must be an object, got %s" % json.dumps(plrd))
    ranks = plrd.get("ranks") or {}
    modules = {"model.layers.%d.%s" % (i, p) for i in range(layers) for p in PROJECTIONS}
    for module, rank in ranks.items():
        if module not in modules:
            fail("plrd.ranks names '%s', which is not a linear of this %d-layer model" % (module, layers))
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            fail("plrd.ranks of %s must be a positive integer, got %s" % (module, json.dumps(rank)))
    tie = raw.get("tie_word_embeddings", False)
    if not isinstance(tie, bool):
        fail("tie_word_embeddings must be true or false, got %s" % json.dumps(tie))
    return Config(architecture=architecture, hidden_size=hidden, intermediate_size=positive_int("intermediate_size"),
                  num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv_heads,
                  vocab_size=positive_int("vocab_size"), tie_word_embeddings=tie,
                  rope_theta=positive_float("rope_theta", 10000.0), rms_norm_eps=positive_float("rms_norm_eps", 1e-6),
                  max_position_embeddings=positive_int("max_position_embeddings", 2048),
                  head_dim=positive_int("head_dim", hidden // heads),
                  torch_dtype=raw.get("torch_dtype", raw.get("dtype")), sliding_window=window, ranks=dict(ranks))


class Checkpoint:
    """An opened checkpoint: its config and where each tensor lies, checked against the config on open."""

    def __init__(self, directory):
        self.directory = directory
        if not os.path.isdir(directory):
            raise InvalidInput("%s: no such checkpoint directory" % directory)
        self.config = parse_config(os.path.join(directory, CONFIG))
        self.entries = {}
        try:
            for file in self._files():
                header, start = safetensors.read_header(file)
                for name, entry in header.items():
                    self.entries[name] = (file, entry, start)
        except safetensors.FormatError as e:
            raise InvalidInput(str(e)) from e
        problems = []
        expected = self.config.layout()
        for name, shape in expected:
            found = self.entries.get(name)
            if found is None:
                problems.append("missing tensor %s of shape %s" % (name, list(shape)))
            elif tuple(found[1]["shape"]) != shape:
                problems.append("tensor %s has shape %s, the config expects %s" % (name, found[1]["shape"], list(shape)))
        names = {name for name, _ in expected}
        extra = [n for n in self.entries if n not in names and not n.endswith(ROTARY_CACHE)]
        if extra:
            problems.append("tensors the config does not account for: " + ", ".join(extra[:5]))
        if problems:
            raise InvalidInput("%s: does not match its config.json: %s" % (directory, "; ".join(problems)))

    def _files(self):
        index = os.path.join(self.directory, INDEX)
        single = os.path.join(self.directory, SINGLE_FILE)
        if os.path.isfile(index):
            try:
                with open(index, encoding="utf-8") as f:
                    weight_map = json.load(f)["weight_map"]
                files = sorted(set(weight_map.values()))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                raise InvalidInput("%s: not a safetensors index with a weight_map: %s" % (index, e)) from e
            for name in files:
                if os.path.basename(name) != name or not os.path.isfile(os.path.join(self.directory, name)):
                    raise InvalidInput("%s: shard '%s' is not a file in %s" % (index, name, self.directory))
            return [os.path.join(self.directory, name) for name in files]
        if os.path.isfile(single):
            return [single]
        raise InvalidInput("%s: has neither %s nor %s" % (self.directory, SINGLE_FILE, INDEX))

    def dtype(self, name):
        return self.entries[name][1]["dtype"]

    def read(self, name):
        """A tensor as float32."""
        file, entry, start = self.entries[name]
        return safetensors.read_tensor(file, entry, start)


def write(target, source, tensors, dtypes):
    """A checkpoint of tensors ((name, tensor) in canonical order), each in the dtype dtypes names, with source's
    config.json and tokenizer files: written in a hidden sibling and renamed onto target, so that it appears whole
    or not at all. Shards and an index past MAX_SHARD_BYTES, as transformers' save_pretrained splits them."""
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    atomic.delete_stale_siblings(target)
    shards, current, size = [], [], 0
    for name, tensor in tensors:
        nbytes = tensor.numel() * safetensors.WIDTHS[dtypes[name]]
        if current and size + nbytes > MAX_SHARD_BYTES:
            shards.append(current)
            current, size = [], 0
        current.append((name, dtypes[name], tensor))
        size += nbytes
    shards.append(current)
    temp = atomic.sibling(target, "tmp")
    os.mkdir(temp)
    try:
        names = [SINGLE_FILE] if len(shards) == 1 else [
            "model-%05d-of-%05d.safetensors" % (i + 1, len(shards)) for i in range(len(shards))]
        for name, shard in zip(names, shards):
            safetensors.write(os.path.join(temp, name), shard, {"format": "pt"})
        if len(shards) > 1:
            total = sum(t.numel() * safetensors.WIDTHS[d] for shard in shards for _, d, t in shard)
            index = {"metadata": {"total_size": total},
                     "weight_map": {n: file for file, shard in zip(names, shards) for n, _, _ in shard}}
            atomic.write_bytes(os.path.join(temp, INDEX), json.dumps(index, indent=2).encode("utf-8"))
        shutil.copyfile(os.path.join(source, CONFIG), os.path.join(temp, CONFIG))
        if carries_remote_code(os.path.join(source, CONFIG)):
            shutil.copyfile(os.path.join(os.path.dirname(os.path.abspath(__file__)), REMOTE_CODE),
                            os.path.join(temp, REMOTE_CODE))
        for name in AUXILIARY_FILES:
            if os.path.isfile(os.path.join(source, name)):
                shutil.copyfile(os.path.join(source, name), os.path.join(temp, name))
        atomic.sync_directory(temp)
        atomic.replace_directory(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def carries_remote_code(config_path):
    """Whether config.json's auto_map sends AutoModelForCausalLM to the model code of a factored checkpoint."""
    with open(config_path, "rb") as f:
        auto_map = json.load(f).get("auto_map") or {}
    return str(auto_map.get("AutoModelForCausalLM", "")).startswith(REMOTE_CODE[:-len(".py")] + ".")
