"""Independent NumPy reference of the whole MMoE model, for MmoeReferenceIT.

Written from shared/design/MMOE_SPEC.md (sections 1-7, 9) and Hugging Face CLIP's published
semantics, never from the Java graph code, so that agreement means something.

Reads one JSON request on stdin:
    {"model_dir": DIR, "mention_ids": [[...]], "entity_ids": [[...]],
     "mention_pixels_file": PATH or null, "entity_pixels_file": PATH or null}
(pixel files: raw little-endian float32 [n, 3, S, S]) and prints one JSON object whose values are
flat row-major lists:
    entity encodings   retrieval, text_c, text_query, image_c, image_query
    mention encodings  query, text_key, text_value, image_key, image_value
    joint scores       score, text_score, image_score, cross_score           [B, N]
    encoded scores     enc_score, enc_text_score, enc_image_score, enc_cross_score  [B, N]
The joint scores follow spec 4-7 with the batch gate (faithful: batch mean over the call's
items); the encodings, and the "enc_" scores rebuilt from them (S = F + I, spec 9), use the gate
a single item gets when served (faithful: the frozen mean). With the per-token gate both agree.

Everything runs in float64 so that the Java float32 model is compared against a more exact value.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

EOS = 49407
EXPERT_GELU = np.vectorize(lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))),
                           otypes=[np.float64])


class Weights:
    def __init__(self, path):
        self.raw = load_file(str(path))

    def __call__(self, name):
        if name not in self.raw:
            raise KeyError(f"weights file has no tensor '{name}'")
        return self.raw[name].astype(np.float64)

    def has(self, name):
        return name in self.raw


def linear(w, prefix, x, bias=True):
    # Checkpoint linears are stored [out, in].
    y = x @ w(prefix + ".weight").T
    return y + w(prefix + ".bias") if bias else y


def layer_norm(w, prefix, x, eps):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w(prefix + ".weight") + w(prefix + ".bias")


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def activation(name, x):
    if name == "quick_gelu":
        return x / (1.0 + np.exp(-1.702 * x))
    if name == "gelu":
        return EXPERT_GELU(x)
    raise ValueError(f"unknown activation {name}")


def l2_normalize(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# ---------------------------------------------------------------- CLIP towers (HF semantics)

def encoder_layer(w, prefix, x, heads, act, eps, additive_mask):
    """One pre-LN CLIPEncoderLayer; additive_mask is [n, 1, S, S] or None."""
    n, s, width = x.shape
    head = width // heads
    h = layer_norm(w, prefix + "layer_norm1", x, eps)
    q = linear(w, prefix + "self_attn.q_proj", h) * head ** -0.5
    k = linear(w, prefix + "self_attn.k_proj", h)
    v = linear(w, prefix + "self_attn.v_proj", h)
    split = lambda t: t.reshape(n, s, heads, head).transpose(0, 2, 1, 3)
    logits = split(q) @ split(k).transpose(0, 1, 3, 2)
    if additive_mask is not None:
        logits = logits + additive_mask
    attended = (softmax(logits) @ split(v)).transpose(0, 2, 1, 3).reshape(n, s, width)
    x = x + linear(w, prefix + "self_attn.out_proj", attended)
    h = layer_norm(w, prefix + "layer_norm2", x, eps)
    h = linear(w, prefix + "mlp.fc2", activation(act, linear(w, prefix + "mlp.fc1", h)))
    return x + h


def text_tower(w, cfg, ids):
    """Returns (t_cls before the matcher LN, t_tok before the matcher LN)."""
    tc = cfg["text"]
    eps = cfg["layer_norm_eps"]
    p = "encoder.clip.text_model."
    n, length = ids.shape
    x = w(p + "embeddings.token_embedding.weight")[ids]
    x = x + w(p + "embeddings.position_embedding.weight")[:length]
    first_eos = np.array([int(np.argmax(row == EOS)) for row in ids])
    if not all(ids[i, first_eos[i]] == EOS for i in range(n)):
        raise ValueError("every text needs an EOS token")
    # Causal mask, plus a key mask that hides the padding after the first EOS (the tokenizer's
    # attention_mask is 1 up to and including that EOS).
    pos = np.arange(length)
    allowed = (pos[None, None, :] <= pos[None, :, None]) & \
              (pos[None, None, :] <= first_eos[:, None, None])
    mask = np.where(allowed, 0.0, -1e30)[:, None, :, :]
    for i in range(tc["layers"]):
        x = encoder_layer(w, f"{p}encoder.layers.{i}.", x, tc["heads"], tc["activation"], eps, mask)
    x = layer_norm(w, p + "final_layer_norm", x, eps)
    pooled = x[np.arange(n), first_eos]
    t_cls = l2_normalize(linear(w, "encoder.clip.text_projection", pooled, bias=False))
    return t_cls, x


def vision_tower(w, cfg, pixels):
    """Returns (v_cls before the matcher LN, v_tok before the matcher LN)."""
    vc = cfg["vision"]
    eps = cfg["layer_norm_eps"]
    p = "encoder.clip.vision_model."
    n = pixels.shape[0]
    patch = vc["patch_size"]
    grid = vc["image_size"] // patch
    kernel = w(p + "embeddings.patch_embedding.weight")  # [width, 3, patch, patch]
    width = kernel.shape[0]
    # Stride = kernel convolution without bias = one matmul per non-overlapping patch, patches in
    # row-major (y, x) order as Conv2d's output flattens.
    patches = pixels.reshape(n, 3, grid, patch, grid, patch).transpose(0, 2, 4, 1, 3, 5)
    patches = patches.reshape(n, grid * grid, 3 * patch * patch)
    embedded = patches @ kernel.reshape(width, -1).T
    cls = np.broadcast_to(w(p + "embeddings.class_embedding"), (n, 1, width))
    x = np.concatenate([cls, embedded], axis=1) + w(p + "embeddings.position_embedding.weight")
    x = layer_norm(w, p + "pre_layrnorm", x, eps)
    for i in range(vc["layers"]):
        x = encoder_layer(w, f"{p}encoder.layers.{i}.", x, vc["heads"], vc["activation"], eps, None)
    pooled = layer_norm(w, p + "post_layernorm", x[:, 0], eps)
    projected = l2_normalize(linear(w, "encoder.clip.visual_projection", pooled, bias=False))
    v_cls = linear(w, "encoder.image_cls_fc", projected)
    v_tok = linear(w, "encoder.image_tokens_fc", x)
    return v_cls, v_tok


# ---------------------------------------------------------------- switch MoE (spec 4)

class Gate:
    """How expert weights come from router probabilities for one SMoE call."""

    def __init__(self, cfg, w, frozen):
        m = cfg["matcher"]
        self.mode = m["gate_mode"]
        self.k = m["top_k"]
        self.frozen_batch = m["frozen_mean_batch"]
        self.w = w
        self.frozen = frozen  # True: serving (frozen mean); False: divide by the batch mean

    def weights(self, p, site):
        n, s, e = p.shape
        order = np.argsort(-p, axis=-1, kind="stable")[..., :self.k]  # [n, s, k], best first
        if self.mode == "per_token":
            kept = np.take_along_axis(p, order, axis=-1)
            g = np.zeros_like(p)
            np.put_along_axis(g, order, kept / kept.sum(axis=-1, keepdims=True), axis=-1)
            return g
        if self.mode != "faithful":
            raise ValueError(f"unknown gate mode {self.mode}")
        # mask.scatter_(1, topk_idx, 1): the c-th choice of any position s marks row idx[s, c] in
        # column c (expert indices used as sequence positions, as the reference code does).
        mask = np.zeros_like(p)
        for i in range(n):
            for pos in range(s):
                for c in range(self.k):
                    mask[i, order[i, pos, c], c] = 1.0
        q = p * mask
        if self.frozen:
            mean = self.w("mmel.frozen_mean." + site)  # [S, E]
            g = q / (mean[None] + 1e-6 / self.frozen_batch)
        else:
            g = n * q / (q.sum(axis=0, keepdims=True) + 1e-6)
        return np.nan_to_num(g, nan=0.0)


def smoe(w, unit, gate, site, x, router_input):
    p = softmax(linear(w, unit + "moe_layer.gate.w_gate", router_input))
    g = gate.weights(p, site)
    out = 0.0
    for c in range(p.shape[-1]):
        hidden = EXPERT_GELU(linear(w, f"{unit}moe_layer.experts.{c}.ff.0.0", x))
        out = out + g[..., c:c + 1] * linear(w, f"{unit}moe_layer.experts.{c}.ff.2", hidden)
    return out


# ---------------------------------------------------------------- one side's matcher states

def side_states(w, cfg, ids, pixels, gate, side):
    """Everything one side (entity or mention) contributes, computed with the given gate."""
    eps = cfg["layer_norm_eps"]
    m = "matcher."
    t_cls, t_tok = text_tower(w, cfg, ids)
    v_cls, v_tok = vision_tower(w, cfg, pixels)
    t_cls = layer_norm(w, m + "text_cls_layernorm", t_cls, eps)
    t_tok = layer_norm(w, m + "text_tokens_layernorm", t_tok, eps)
    v_cls = layer_norm(w, m + "image_cls_layernorm", v_cls, eps)
    v_tok = layer_norm(w, m + "image_tokens_layernorm", v_tok, eps)
    st = {"t_cls": t_cls, "v_cls": v_cls}

    for modality, unit, cls, tok in (("text", m + "text_module.", t_cls, t_tok),
                                      ("image", m + "vision_module.", v_cls, v_tok)):
        a = np.concatenate([cls[:, None], tok], axis=1)
        site = ("text_" if modality == "text" else "vision_") + side
        y = smoe(w, unit, gate, site, a, a)
        st[modality + "_c"] = y[:, 0]
        u = y[:, 1:]
        st[modality + "_query"] = linear(w, unit + "fc_query", u)
        st[modality + "_key"] = linear(w, unit + "fc_key", u)
        st[modality + "_value"] = linear(w, unit + "fc_value", u)

    c = m + "cross_module."
    t_hat = linear(w, c + "text_fc", t_cls)
    big_t = linear(w, c + "text_fc", t_tok)
    v_hat = linear(w, c + "image_fc", v_cls)
    big_v = linear(w, c + "image_fc", v_tok)
    f1 = np.concatenate([t_hat[:, None], big_v], axis=1)
    f2 = np.concatenate([v_hat[:, None], big_t], axis=1)
    y1 = smoe(w, c, gate, f"cross_{side}_text_first", f1, f2)
    y2 = smoe(w, c, gate, f"cross_{side}_image_first", f2, f1)

    def direction(pooled_hat, anchor, seq):
        a = softmax(np.einsum("nd,npd->np", anchor, seq))
        z = np.einsum("np,npd->nd", a, seq)
        gate_in = z if side == "entity" else pooled_hat  # the reference's asymmetry (spec 6.4)
        g = np.tanh(linear(w, c + "gate_fc", gate_in))
        return layer_norm(w, c + "gate_layer_norm", pooled_hat * g + z, eps)

    st["h_ti"] = direction(t_hat, y1[:, 0], y1[:, 1:])
    st["h_it"] = direction(v_hat, y2[:, 0], y2[:, 1:])
    return st


def unit_scores(w, cfg, ent, men, modality, unit):
    """(g2l, g2g) [B, N] of an IntraMoE unit (spec 5)."""
    eps = cfg["layer_norm_eps"]
    d = cfg["matcher"]["hidden_dim"]
    qry, key, val = ent[modality + "_query"], men[modality + "_key"], men[modality + "_value"]
    att = softmax(np.einsum("nid,bjd->nbij", qry, key) / math.sqrt(d))
    ctx = np.einsum("nbij,bjd->nbd", att, val) / qry.shape[1]
    ctx = layer_norm(w, unit + "layer_norm", ctx, eps)
    g2l = np.einsum("nd,nbd->bn", ent[modality + "_c"], ctx)
    cls = "t_cls" if modality == "text" else "v_cls"
    g2g = men[cls] @ ent[cls].T
    return g2l, g2g


def scores(w, cfg, ent, men):
    g2l_t, g2g_t = unit_scores(w, cfg, ent, men, "text", "matcher.text_module.")
    g2l_i, g2g_i = unit_scores(w, cfg, ent, men, "image", "matcher.vision_module.")
    s_text = (g2l_t + g2g_t) / 2
    s_image = (g2l_i + g2g_i) / 2
    s_cross = (men["h_ti"] @ ent["h_ti"].T + men["h_it"] @ ent["h_it"].T) / 2
    return {"score": (s_text + s_image + s_cross) / 3, "text_score": s_text,
            "image_score": s_image, "cross_score": s_cross,
            "g2l_text": g2l_t, "g2l_image": g2l_i}


def retrieval(st):
    return np.concatenate([st["t_cls"], st["v_cls"], st["h_ti"], st["h_it"]], axis=1)


def read_pixels(path, n, size):
    if path is None:
        return np.zeros((n, 3, size, size))
    flat = np.fromfile(path, dtype="<f4")
    if flat.size != n * 3 * size * size:
        raise ValueError(f"{path} holds {flat.size} floats, expected {n}x3x{size}x{size}")
    return flat.reshape(n, 3, size, size).astype(np.float64)


def flat(x):
    return np.asarray(x, dtype=np.float64).reshape(-1).tolist()


def main():
    request = json.load(sys.stdin)
    model = Path(request["model_dir"])
    cfg = json.loads((model / "config.json").read_text())
    w = Weights(model / "weights.safetensors")
    size = cfg["vision"]["image_size"]
    mention_ids = np.array(request["mention_ids"], dtype=np.int64)
    entity_ids = np.array(request["entity_ids"], dtype=np.int64)
    mention_px = read_pixels(request.get("mention_pixels_file"), len(mention_ids), size)
    entity_px = read_pixels(request.get("entity_pixels_file"), len(entity_ids), size)

    served = Gate(cfg, w, frozen=True)
    batch = Gate(cfg, w, frozen=False)
    ent = side_states(w, cfg, entity_ids, entity_px, served, "entity")
    men = side_states(w, cfg, mention_ids, mention_px, served, "mention")
    if cfg["matcher"]["gate_mode"] == "per_token":
        ent_joint, men_joint = ent, men
    else:
        ent_joint = side_states(w, cfg, entity_ids, entity_px, batch, "entity")
        men_joint = side_states(w, cfg, mention_ids, mention_px, batch, "mention")

    out = {
        "retrieval": flat(retrieval(ent)),
        "text_c": flat(ent["text_c"]),
        "text_query": flat(ent["text_query"]),
        "image_c": flat(ent["image_c"]),
        "image_query": flat(ent["image_query"]),
        "query": flat(retrieval(men) / 6),
        "text_key": flat(men["text_key"]),
        "text_value": flat(men["text_value"]),
        "image_key": flat(men["image_key"]),
        "image_value": flat(men["image_value"]),
    }
    joint = scores(w, cfg, ent_joint, men_joint)
    for name in ("score", "text_score", "image_score", "cross_score"):
        out[name] = flat(joint[name])
    served_scores = scores(w, cfg, ent, men)
    for name in ("score", "text_score", "image_score", "cross_score"):
        out["enc_" + name] = flat(served_scores[name])
    # Spec 9's decomposition, checked inside the reference itself: S = q_m . e_e + I.
    f = (retrieval(men) / 6) @ retrieval(ent).T
    i = (served_scores["g2l_text"] + served_scores["g2l_image"]) / 6
    out["decomposition_error"] = float(np.abs(f + i - served_scores["score"]).max())
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
