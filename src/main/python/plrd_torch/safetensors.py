"""The safetensors format read and written with the standard library and torch (Debian has no safetensors
package): an 8-byte little-endian header length, a JSON header of {name: {dtype, shape, data_offsets}}, the data."""
import json
import os
import struct

import torch

from . import atomic

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
WIDTHS = {"F32": 4, "F16": 2, "BF16": 2}
# the integer type of each width, through which a tensor's bytes are read and written (numpy has no bfloat16)
_BITS = {4: torch.int32, 2: torch.int16}
MAX_HEADER_BYTES = 100 * 1024 * 1024


class FormatError(Exception):
    """A file that is not the safetensors this engine reads; the message names the file."""


def read_header(path):
    """The tensors' entries (name -> {dtype, shape, data_offsets}) and where the data section starts."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise FormatError("%s: shorter than a safetensors header" % path)
        (length,) = struct.unpack("<Q", head)
        if length > MAX_HEADER_BYTES:
            raise FormatError("%s: header of %d bytes exceeds %d" % (path, length, MAX_HEADER_BYTES))
        try:
            header = json.loads(f.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise FormatError("%s: header is not JSON: %s" % (path, e)) from e
    if not isinstance(header, dict):
        raise FormatError("%s: header is not a JSON object" % path)
    header.pop("__metadata__", None)
    size = os.path.getsize(path) - 8 - length
    for name, entry in header.items():
        dtype = entry.get("dtype")
        if dtype not in DTYPES:
            raise FormatError("%s: tensor %s has dtype %s; expected one of %s" % (path, name, dtype, ", ".join(DTYPES)))
        begin, end = entry["data_offsets"]
        elements = 1
        for d in entry["shape"]:
            elements *= d
        if not 0 <= begin <= end <= size or end - begin != elements * WIDTHS[dtype]:
            raise FormatError("%s: tensor %s has data offsets %s, which do not hold %s %s in %d data bytes"
                              % (path, name, entry["data_offsets"], dtype, entry["shape"], size))
    return header, 8 + length


def read_tensor(path, entry, data_start):
    """One tensor, as float32."""
    begin, end = entry["data_offsets"]
    dtype = DTYPES[entry["dtype"]]
    with open(path, "rb") as f:
        f.seek(data_start + begin)
        raw = bytearray(f.read(end - begin))
    bits = torch.frombuffer(raw, dtype=_BITS[WIDTHS[entry["dtype"]]]) if raw else torch.empty(0, dtype=_BITS[WIDTHS[entry["dtype"]]])
    return bits.view(dtype).to(torch.float32).reshape(entry["shape"]).clone()


def tensor_bytes(tensor, dtype_name):
    """A tensor's little-endian bytes in dtype_name (rounded to nearest even, as the Java writer rounds)."""
    t = tensor.detach().to("cpu", DTYPES[dtype_name]).contiguous()
    return t.view(_BITS[t.element_size()]).numpy().tobytes()


def write(path, tensors, metadata=None):
    """tensors: (name, dtype name, tensor) in file order. The header is space-padded so that data is 8-byte aligned.
    Written under a temporary name, renamed when complete."""
    header = {"__metadata__": metadata} if metadata else {}
    offset = 0
    for name, dtype_name, tensor in tensors:
        nbytes = tensor.numel() * WIDTHS[dtype_name]
        header[name] = {"dtype": dtype_name, "shape": list(tensor.shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    temp = atomic.sibling(path, "tmp")
    try:
        with open(temp, "wb") as f:
            f.write(struct.pack("<Q", len(encoded)))
            f.write(encoded)
            for _, dtype_name, tensor in tensors:
                f.write(tensor_bytes(tensor, dtype_name))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
