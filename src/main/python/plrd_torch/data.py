"""Token datasets as dev.plrd.data reads them: uint16/uint32 shards with a dataset.json (plrd tokenize) or bare .bin
files, the held-out split (the last 1% of tokens, rounded up), windows of seq + 1 tokens at stride seq, and the
seeded window order (WindowOrder.java), so that this engine draws the same windows in the same order."""
import json
import os
import re

import numpy as np

from .contract import InvalidInput

MANIFEST = "dataset.json"
FORMAT = "plrd-tokens/v1"
HELD_OUT_PERCENT = 1
DTYPES = {"uint16": np.dtype("<u2"), "uint32": np.dtype("<u4")}
TEXT_SUFFIXES = (".txt", ".jsonl", ".txt.gz", ".jsonl.gz", ".txt.zst", ".jsonl.zst")
SPLITS = ("train", "held-out", "all")
_MASK = (1 << 64) - 1
_GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def _mix(z):
    """SplitMix64's finaliser on unsigned 64-bit values, as WindowOrder.mix and SplittableRandom.mix64."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class WindowOrder:
    """One epoch's permutation of n windows keyed by (seed, epoch): a balanced Feistel network over the smallest
    power-of-four domain holding n, round keys from java.util.SplittableRandom, cycle-walked below n."""

    ROUNDS = 8

    def __init__(self, n, seed, epoch):
        self.n = n
        bits = max(2, (n - 1).bit_length())
        self.half_bits = (bits + 1) // 2
        self.half_mask = (1 << self.half_bits) - 1
        state = (seed & _MASK) ^ _mix((epoch + _GOLDEN_GAMMA) & _MASK)
        state = _mix(state)
        self.keys = []
        for _ in range(self.ROUNDS):
            state = (state + _GOLDEN_GAMMA) & _MASK
            self.keys.append(_mix(state))

    def at(self, index):
        x = index
        while True:
            x = self._permute(x)
            if x < self.n:
                return x

    def _permute(self, x):
        left, right = x >> self.half_bits, x & self.half_mask
        for key in self.keys:
            left, right = right, left ^ (_mix(right ^ key) & self.half_mask)
        return (left << self.half_bits) | right


class TokenDataset:
    """One stream of token ids over memory-mapped shards."""

    def __init__(self, location, vocab_size):
        self.location = location
        self.vocab_size = vocab_size
        path = local_path(location)
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, MANIFEST)):
            self.shards, self.dtype = _manifest(path, vocab_size)
        else:
            self.dtype = "uint16" if vocab_size <= 65536 else "uint32"
            self.shards = [(f, _map(f, self.dtype)) for f in _bare_files(path, self.dtype)]
            self._check_ids()
        self.starts = np.cumsum([0] + [len(t) for _, t in self.shards])
        self.tokens = int(self.starts[-1])
        if self.tokens == 0:
            raise InvalidInput("%s: holds no tokens" % location)

    def _check_ids(self):
        for file, tokens in self.shards:
            bad = np.flatnonzero(tokens >= self.vocab_size)
            if bad.size:
                raise InvalidInput("%s: token id %d at token %d is not below the model's vocabulary size %d (%s): the"
                                   " data was tokenised for another vocabulary"
                                   % (file, tokens[bad[0]], bad[0], self.vocab_size, self.dtype))

    def read(self, start, count):
        """Tokens [start, start + count) of the stream as int64, across shard boundaries."""
        out = np.empty(count, dtype=np.int64)
        done = 0
        shard = int(np.searchsorted(self.starts, start, side="right")) - 1
        while done < count:
            file, tokens = self.shards[shard]
            offset = start + done - int(self.starts[shard])
            n = min(count - done, len(tokens) - offset)
            out[done:done + n] = tokens[offset:offset + n]
            done += n
            shard += 1
        return out

    def file_of(self, at):
        shard = int(np.searchsorted(self.starts, at, side="right")) - 1
        return self.shards[shard][0], at - int(self.starts[shard])

    def held_out_start(self):
        return self.tokens - (self.tokens * HELD_OUT_PERCENT + 99) // 100

    def split(self, which, sequence_length):
        boundary = self.held_out_start()
        first, length = {"train": (0, boundary), "held-out": (boundary, self.tokens - boundary),
                         "all": (0, self.tokens)}[which]
        split = Split(self, which, first, length, sequence_length)
        if split.windows == 0:
            part = {"train": "training split (all but the last 1%)", "held-out": "held-out split (the last 1%)",
                    "all": "dataset"}[which]
            raise InvalidInput("%s: the %s has %d tokens; a window of sequence length %d needs %d"
                               % (self.location, part, length, sequence_length, sequence_length + 1))
        return split

    def describe(self):
        return "%s (%s, %d tokens)" % (self.location, self.dtype, self.tokens)


class Split:
    """A range of the stream cut into windows of seq + 1 tokens at stride seq; a tail short of a window is unused."""

    def __init__(self, dataset, name, first, length, sequence_length):
        self.dataset = dataset
        self.name = name
        self.first = first
        self.sequence_length = sequence_length
        self.windows = 0 if length <= sequence_length else (length - 1) // sequence_length

    def window(self, index):
        start = self.first + index * self.sequence_length
        tokens = self.dataset.read(start, self.sequence_length + 1)
        bad = np.flatnonzero(tokens >= self.dataset.vocab_size)
        if bad.size:
            file, offset = self.dataset.file_of(start + int(bad[0]))
            raise InvalidInput("%s: token id %d at token %d is not below the model's vocabulary size %d: the data was"
                               " tokenised for another vocabulary, or its dataset.json states a false maxTokenId"
                               % (file, tokens[bad[0]], offset, self.dataset.vocab_size))
        return tokens


class BatchSampler:
    """Draws a split's windows in each epoch's seeded order; (epoch, index) is where the next one comes from."""

    def __init__(self, split, seed, epoch=0, index=0):
        if index >= split.windows:
            raise InvalidInput("position %d in epoch %d is past the %d windows of the %s split at sequence length %d:"
                               " it was saved with other data or another sequence length"
                               % (index, epoch, split.windows, split.name, split.sequence_length))
        self.split = split
        self.seed = seed
        self.epoch = epoch
        self.index = index
        self.order = WindowOrder(split.windows, seed, epoch)

    def next(self, rows):
        """inputs and targets int64 [rows, seq]: each target is the token after its input."""
        windows = []
        for _ in range(rows):
            windows.append(self.split.window(self.order.at(self.index)))
            self.index += 1
            if self.index == self.split.windows:
                self.index = 0
                self.epoch += 1
                self.order = WindowOrder(self.split.windows, self.seed, self.epoch)
        stacked = np.stack(windows)
        return stacked[:, :-1], stacked[:, 1:]

    def position(self):
        return self.epoch, self.index


def local_path(location):
    if location.startswith("file://"):
        return location[len("file://"):]
    if re.match(r"[a-z][a-z0-9+.-]*://", location):
        raise InvalidInput("%s: only local datasets (a path or file://) can be read; plrd fetches remote ones first"
                           % location)
    return location


def _manifest(directory, vocab_size):
    file = os.path.join(directory, MANIFEST)
    try:
        with open(file, encoding="utf-8") as f:
            root = json.load(f)
    except json.JSONDecodeError as e:
        raise InvalidInput("%s: not valid JSON: %s" % (file, e)) from e
    if not isinstance(root, dict):
        raise InvalidInput("%s: expected a JSON object" % file)
    if root.get("format") != FORMAT:
        raise InvalidInput("%s: format '%s' is not %s" % (file, root.get("format"), FORMAT))
    dtype = root.get("dtype")
    if dtype not in DTYPES:
        raise InvalidInput("%s: dtype '%s' is not uint16 or uint32" % (file, dtype))
    shards = root.get("shards")
    if not isinstance(shards, list) or not shards:
        raise InvalidInput("%s: \"shards\" must be a non-empty list" % file)
    mapped = []
    total = 0
    for entry in shards:
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or os.path.basename(name) != name or not name:
            raise InvalidInput("%s: shard file '%s' must be a plain file name in %s" % (file, name, directory))
        path = os.path.join(directory, name)
        tokens = _count(file, entry, "tokens")
        if not os.path.isfile(path):
            raise InvalidInput("%s: shard listed in %s is missing" % (path, MANIFEST))
        size = os.path.getsize(path)
        if size != tokens * DTYPES[dtype].itemsize:
            raise InvalidInput("%s: %d bytes, but %s gives %d %s tokens (%d bytes)"
                               % (path, size, MANIFEST, tokens, dtype, tokens * DTYPES[dtype].itemsize))
        mapped.append((path, _map(path, dtype)))
        total += tokens
    if _count(file, root, "tokens") != total:
        raise InvalidInput("%s: \"tokens\" is %d but its shards hold %d" % (file, root["tokens"], total))
    max_id = root.get("maxTokenId")
    if max_id is not None and max_id >= vocab_size:
        raise InvalidInput("%s: maxTokenId %d is not below the model's vocabulary size %d: the data was tokenised for"
                           " another vocabulary" % (file, max_id, vocab_size))
    if max_id is None:
        for path, tokens in mapped:
            bad = np.flatnonzero(tokens >= vocab_size)
            if bad.size:
                raise InvalidInput("%s: token id %d at token %d is not below the model's vocabulary size %d (%s)"
                                   % (path, tokens[bad[0]], bad[0], vocab_size, dtype))
    return mapped, dtype


def _map(file, dtype):
    """The file's tokens, memory-mapped (numpy cannot map an empty file)."""
    if os.path.getsize(file) == 0:
        return np.empty(0, DTYPES[dtype])
    return np.memmap(file, dtype=DTYPES[dtype], mode="r")


def _count(file, node, field):
    value = node.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput("%s: \"%s\" must be a non-negative integer, got %s" % (file, field, json.dumps(value)))
    return value


def _bare_files(path, dtype):
    """A .bin file, or a directory's .bin files at any depth in the order of their relative paths, name by name."""
    if not os.path.exists(path):
        raise InvalidInput("%s: no such file or directory" % path)
    if os.path.isfile(path):
        files = [path]
    else:
        files, text = [], []
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if name.startswith("."):
                    continue
                (files if name.endswith(".bin") else text if name.endswith(TEXT_SUFFIXES) else []).append(
                    os.path.join(root, name))
        if text:
            raise InvalidInput("%s: text files (%s) are tokenised by the DJL engine only; run plrd tokenize first and"
                               " give its directory" % (path, os.path.relpath(text[0], path)))
        files.sort(key=lambda f: os.path.relpath(f, path).split(os.sep))
    for file in files:
        if file.endswith(TEXT_SUFFIXES):
            raise InvalidInput("%s: a text file is tokenised by the DJL engine only; run plrd tokenize first and give"
                               " its directory" % file)
        if not file.endswith(".bin"):
            raise InvalidInput("%s: not a dataset file: expected .bin or a plrd tokenize directory" % file)
        size = os.path.getsize(file)
        if size % DTYPES[dtype].itemsize:
            raise InvalidInput("%s: %d bytes is not a whole number of %s tokens" % (file, size, dtype))
    if not files:
        raise InvalidInput("%s: no dataset.json or .bin files in this directory or below" % path)
    return files
