"""Test helper: the logits plrd_torch computes for a checkpoint and a token file, for the Java cross-check.

usage: plrd_logits.py CHECKPOINT TOKENS OUT ROWS
TOKENS holds int64 little-endian ids [ROWS, length]; OUT gets float32 little-endian logits [ROWS, length, vocab]."""
import sys

import numpy as np
import torch

from plrd_torch import checkpoint, model

directory, tokens_file, out_file, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
llama = model.load(checkpoint.Checkpoint(directory)).eval()
tokens = torch.from_numpy(np.fromfile(tokens_file, dtype="<i8").reshape(rows, -1))
with torch.no_grad():
    llama(tokens).numpy().astype("<f4").tofile(out_file)
