"""Reference side of SafetensorsReferenceIT: the real safetensors + numpy packages read and write files.

usage: safetensors_roundtrip.py read FILE    parse FILE, print its tensors and metadata as JSON
       safetensors_roundtrip.py write FILE   write FILE, print the values it holds as JSON

Values are printed as float32 bit patterns (uint32) so NaNs, signed zeros and subnormals survive JSON.
For F32 tensors, `read` also prints numpy's own float16 rounding of the values and a bfloat16 rounding
computed here by comparing distances to the two neighbours, so the Java side can check its narrowing
against implementations that share no code with it.
"""
import json
import math
import struct
import sys

import numpy as np
from safetensors import TensorSpec, deserialize, safe_open, serialize_file


def widened_bits(dtype, data):
    if dtype == "F32":
        return np.frombuffer(data, dtype="<u4")
    if dtype == "F16":
        return np.frombuffer(data, dtype="<f2").astype("<f4").view("<u4")
    if dtype == "BF16":
        return np.frombuffer(data, dtype="<u2").astype("<u4") << 16
    raise SystemExit(f"unexpected dtype {dtype}")


def as_float(bits):
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def bfloat16_by_distance(bits):
    """Round-to-nearest-even to bfloat16 by comparing distances, not by the usual carry trick."""
    result = []
    for b in bits.tolist():
        value = as_float(b)
        if math.isnan(value):
            result.append(0x7FC00000)
            continue
        if math.isinf(value):
            result.append(b)
            continue
        low = b & 0xFFFF0000
        high = low + 0x10000
        # Past the largest finite bfloat16 the next step is 2^128 (the high pattern is then infinity).
        overflow = (high >> 23) & 0xFF == 0xFF
        high_value = math.copysign(2.0**128, value) if overflow else as_float(high)
        low_distance = abs(value - as_float(low))
        high_distance = abs(value - high_value)
        tie_goes_low = low_distance == high_distance and (low >> 16) & 1 == 0
        result.append(low if low_distance < high_distance or tie_goes_low else high)
    return result


def read(path):
    with open(path, "rb") as f:
        tensors = deserialize(f.read())
    with safe_open(path, framework="np") as f:
        metadata = f.metadata() or {}
    out = {}
    for name, tensor in tensors:
        data = bytes(tensor["data"])
        entry = {
            "dtype": tensor["dtype"],
            "shape": list(tensor["shape"]),
            "float32_bits": widened_bits(tensor["dtype"], data).tolist(),
        }
        if tensor["dtype"] == "F32":
            values = np.frombuffer(data, dtype="<f4")
            with np.errstate(all="ignore"):
                entry["float16_rounded_bits"] = values.astype("<f2").astype("<f4").view("<u4").tolist()
            entry["bfloat16_rounded_bits"] = bfloat16_by_distance(values.view("<u4"))
        out[name] = entry
    return {"metadata": metadata, "tensors": out}


def write(path):
    rng = np.random.default_rng(20240607)
    specials = [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, 2.0**-149, 3.4028235e38, -1.1754944e-38]
    f32 = np.concatenate([np.array(specials, dtype="<f4"), rng.standard_normal(3, dtype=np.float32)])
    f16 = np.concatenate([
        np.array([65504.0, -65504.0, 2.0**-24, 2.0**-14, 1023 * 2.0**-24, 1.0, -0.0, np.inf, -np.inf],
                 dtype="<f2"),
        (rng.standard_normal(21) * 1000).astype("<f2"),
    ])
    # Arbitrary bfloat16 bit patterns, minus NaNs, whose payload need not survive numpy.
    bf16 = rng.integers(0, 0x10000, size=40, dtype=np.uint32)
    bf16 = bf16[((bf16 >> 7) & 0xFF) != 0xFF].astype("<u2")
    bf16 = np.concatenate([np.array([0x3F80, 0x7F80, 0xFF80, 0x0001, 0x8000], dtype="<u2"), bf16])
    arrays = {
        "weights.f32": ("float32", f32.reshape(3, 4)),
        "weights.f16": ("float16", f16.reshape(5, 6)),
        "weights.bf16": ("bfloat16", bf16),
        "scalar.f32": ("float32", np.array(0.125, dtype="<f4")),
        "empty.f16": ("float16", np.zeros((0, 3), dtype="<f2")),
    }
    specs = {
        name: TensorSpec(dtype=dtype, shape=list(array.shape), data_ptr=array.ctypes.data, data_len=array.nbytes)
        for name, (dtype, array) in arrays.items()
    }
    metadata = {"format": "np", "producer": "safetensors-python \u2713"}
    serialize_file(specs, path, metadata=metadata)
    codes = {"float32": "F32", "float16": "F16", "bfloat16": "BF16"}
    tensors = {
        name: {
            "dtype": codes[dtype],
            "shape": list(array.shape),
            "float32_bits": widened_bits(codes[dtype], array.tobytes()).tolist(),
        }
        for name, (dtype, array) in arrays.items()
    }
    return {"metadata": metadata, "tensors": tensors}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("read", "write"):
        raise SystemExit(__doc__)
    result = read(sys.argv[2]) if sys.argv[1] == "read" else write(sys.argv[2])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
