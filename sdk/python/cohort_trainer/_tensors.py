"""Models as ordered named float32 tensors: PyTorch modules and state dicts, or dicts of numpy arrays.

Only floating-point tensors are federated (parameters and float buffers such as batch-norm
running statistics); integer buffers (e.g. num_batches_tracked) stay local to the site.
"""

from collections import OrderedDict

import numpy as np


def _is_torch_module(obj):
    return hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict")


def _is_torch_tensor(value):
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def named_tensors(model):
    """The federated tensors of `model` as an OrderedDict name -> (live object, shape).

    `model` is a torch.nn.Module, a state dict, or a dict of numpy arrays; the live object is
    what `assign` writes into.
    """
    source = model.state_dict() if _is_torch_module(model) else model
    if not isinstance(source, dict):
        raise TypeError("a model is a torch.nn.Module, a state dict or a dict of numpy arrays, not %s" % type(model).__name__)
    out = OrderedDict()
    for name, value in source.items():
        if _is_torch_tensor(value):
            if not value.is_floating_point():
                continue
            out[name] = (value, tuple(int(d) for d in value.shape))
        else:
            array = np.asarray(value)
            if not np.issubdtype(array.dtype, np.floating):
                continue
            out[name] = (value, tuple(int(d) for d in array.shape))
    if not out:
        raise ValueError("the model has no floating-point tensors to federate")
    return out


def to_float32(value):
    """A C-ordered float32 numpy copy-or-view of a tensor or array."""
    if _is_torch_tensor(value):
        import torch  # only when the model is a torch one

        value = value.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()
    return np.ascontiguousarray(value, dtype="<f4")


def flatten(model, names):
    """The tensors `names` of `model`, float32, concatenated in that order."""
    tensors = named_tensors(model)
    parts = []
    for name in names:
        if name not in tensors:
            raise KeyError("the model has no floating-point tensor %r" % name)
        parts.append(to_float32(tensors[name][0]).reshape(-1))
    return np.concatenate(parts) if len(parts) > 1 else parts[0].copy()


def split(flat, spec):
    """OrderedDict name -> float32 array view of `flat`, cut by `spec` [(name, shape)]."""
    out = OrderedDict()
    at = 0
    for name, shape in spec:
        size = int(np.prod(shape, dtype=np.int64)) if shape else 1
        out[name] = flat[at:at + size].reshape(shape)
        at += size
    return out


def assign(model, arrays):
    """Write `arrays` (name -> float32 array) into `model` in place, keeping each tensor's dtype and device."""
    if _is_torch_module(model):
        import torch

        state = model.state_dict()
        with torch.no_grad():
            for name, array in arrays.items():
                target = state[name]
                target.copy_(torch.from_numpy(np.ascontiguousarray(array)).to(dtype=target.dtype, device=target.device))
        return
    for name, array in arrays.items():
        target = model[name]
        if _is_torch_tensor(target):
            import torch

            with torch.no_grad():
                target.copy_(torch.from_numpy(np.ascontiguousarray(array)).to(dtype=target.dtype, device=target.device))
        elif isinstance(target, np.ndarray):
            target[...] = array
        else:
            model[name] = np.array(array)
