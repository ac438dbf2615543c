"""Model files in the safetensors format, with numpy only (no extra package needed).

`save_model` writes what `cohort coordinator --model FILE` reads: the model's floating-point
tensors as F32, in state-dict order. `load_model` reads F32, F64, F16 and BF16 files,
strictly (the tensors must tile the data exactly), as a dict of numpy arrays; a PyTorch
user gets a state dict with `{k: torch.from_numpy(v) for k, v in load_model(p).items()}`
(or `safetensors.torch.load_file(p)` where that package is installed).
"""

import json
import struct
from collections import OrderedDict

import numpy as np

from ._tensors import named_tensors, to_float32

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}


def save_model(model, path, metadata=None):
    """Write `model` (a torch module, a state dict or a dict of numpy arrays) to `path`."""
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    at = 0
    for name, (value, shape) in named_tensors(model).items():
        data = to_float32(value).tobytes()
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [at, at + len(data)]}
        blobs.append(data)
        at += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def load_model(path):
    """Read a safetensors file: an OrderedDict name -> numpy array (in data order), and its metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: too short for a safetensors file" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError("%s: the header claims %d bytes, the file has %d after the length" % (path, n, len(raw) - 8))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = memoryview(raw)[8 + n:]
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    out = OrderedDict()
    at = 0
    for name, info in entries:
        begin, end = info["data_offsets"]
        if begin != at:
            raise ValueError("%s: tensor %r starts at byte %d, expected %d" % (path, name, begin, at))
        if end > len(body):
            raise ValueError("%s: tensor %r ends at byte %d, the file has %d bytes of data (truncated)" % (path, name, end, len(body)))
        dtype = info["dtype"]
        shape = tuple(info["shape"])
        if dtype == "BF16":
            bits = np.frombuffer(body[begin:end], dtype="<u2").astype(np.uint32) << 16
            array = bits.view("<f4")
        elif dtype in _DTYPES:
            array = np.frombuffer(body[begin:end], dtype=_DTYPES[dtype])
        else:
            raise ValueError("%s: tensor %r has dtype %s" % (path, name, dtype))
        out[name] = array.reshape(shape).copy()
        at = end
    if at != len(body):
        raise ValueError("%s: the tensors cover %d bytes of data, the file has %d" % (path, at, len(body)))
    return out, metadata
