"""Reference CLIP image preprocessing with Pillow and numpy, for ImagePreprocessorReferenceIT.

    clip_preprocess.py synth DIR [ICC_PROFILE]
        Writes deterministic synthetic test images into DIR (one file per case, named by case),
        among them JPEGs embedding an sRGB profile and, if given, the file ICC_PROFILE.
    clip_preprocess.py resample OUT FILTER
        Writes random 8-bit RGB images of many sizes and their Pillow resizes with FILTER
        (bicubic or lanczos) to many output sizes, including both sides of the rule that picks
        Pillow's pass order: for the i-th case OUT/i.in.rgb and OUT/i.out.rgb (uint8 H x W x 3),
        and OUT/manifest.json: [{"width", "height", "outWidth", "outHeight"}].
    clip_preprocess.py run OUT METHOD IMAGE...
        Preprocesses each IMAGE with METHOD, one of
            reference_lanczos  the reference MMoE data loader: Image.open -> convert("RGB")
                               -> resize((224, 224), LANCZOS)
            clip_bicubic_crop  Hugging Face's CLIPImageProcessor: convert("RGB") -> shorter side
                               to 224 with BICUBIC -> centre crop 224 x 224
            direct_bicubic     convert("RGB") -> resize((224, 224), BICUBIC)
        then / 255 -> (x - mean) / std, and writes, for the i-th image, into OUT:
            i.decoded.rgb   the pixels after convert("RGB"), uint8 H x W x 3
            i.resized.rgb   the pixels after resize (and crop), uint8 224 x 224 x 3
            i.tensor.f32    the model input, float32 little-endian, channel-major 3 x 224 x 224
        plus OUT/manifest.json: [{"image", "width", "height", "mode"} or {"image", "error"}].

The float steps run in float32, as torchvision's ToTensor and Normalize do, so identical 8-bit
pixels give bit-identical tensors.
"""

import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

SIZE = 224
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


FILTERS = {"bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}


def clip_processor_resize(rgb):
    """CLIPImageProcessor with shortest_edge 224 and crop 224: transformers'
    get_resize_output_image_size (default_to_square=False) gives the shorter side 224 and the
    longer int(224 * long / short); PIL resizes with BICUBIC; center_crop keeps the window from
    (resized - 224) // 2, which is never out of bounds here."""
    width, height = rgb.size
    short, long = (width, height) if width <= height else (height, width)
    new_long = int(SIZE * long / short)
    new_width, new_height = (SIZE, new_long) if width <= height else (new_long, SIZE)
    resized = rgb.resize((new_width, new_height), Image.BICUBIC)
    top = (new_height - SIZE) // 2
    left = (new_width - SIZE) // 2
    return resized.crop((left, top, left + SIZE, top + SIZE))


METHODS = {
    "reference_lanczos": lambda rgb: rgb.resize((SIZE, SIZE), Image.LANCZOS),
    "clip_bicubic_crop": clip_processor_resize,
    "direct_bicubic": lambda rgb: rgb.resize((SIZE, SIZE), Image.BICUBIC),
}


def preprocess(path, method, out, index):
    with Image.open(path) as image:
        mode = image.mode
        rgb = image.convert("RGB")
    resized = METHODS[method](rgb)
    decoded = np.asarray(rgb, dtype=np.uint8)
    pixels = np.asarray(resized, dtype=np.uint8)
    scaled = pixels.astype(np.float32) / np.float32(255)
    tensor = ((scaled - MEAN) / STD).transpose(2, 0, 1)
    (out / f"{index}.decoded.rgb").write_bytes(np.ascontiguousarray(decoded).tobytes())
    (out / f"{index}.resized.rgb").write_bytes(np.ascontiguousarray(pixels).tobytes())
    (out / f"{index}.tensor.f32").write_bytes(
        np.ascontiguousarray(tensor).astype("<f4").tobytes())
    return {"image": str(path), "width": rgb.width, "height": rgb.height, "mode": mode}


def run(out, method, images):
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for index, path in enumerate(images):
        try:
            manifest.append(preprocess(path, method, out, index))
        except Exception as error:  # reported per image, so one bad file does not hide the rest
            manifest.append({"image": str(path), "error": f"{type(error).__name__}: {error}"})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def content(rng, width, height):
    """Smooth gradients plus noise and hard edges: exercises ringing, clamping and rounding."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack([
        127.5 + 127.5 * np.sin(x / max(width, 1) * 7.0 + y / max(height, 1) * 3.0),
        255.0 * x / max(width - 1, 1),
        255.0 * ((x // 9 + y // 7) % 2),
    ], axis=-1)
    noisy = base + rng.normal(0.0, 40.0, size=base.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def png_rgb16(pixels):
    """A 16-bit RGB PNG, which Pillow can read but not write."""
    height, width, _ = pixels.shape
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in pixels)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def synthesize(directory, icc_profile=None):
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240607)

    def save(name, image, **options):
        image.save(directory / name, **options)

    rgb_sizes = [(1, 1), (7, 5), (100, 100), (300, 200), (224, 224), (224, 500), (500, 224),
                 (1000, 3), (3, 1000), (2000, 1500), (225, 223), (640, 427)]
    for width, height in rgb_sizes:
        save(f"rgb_{width}x{height}.png", Image.fromarray(content(rng, width, height), "RGB"))
    noise = rng.integers(0, 256, size=(333, 517, 3), dtype=np.uint8)
    save("noise_517x333.png", Image.fromarray(noise, "RGB"))

    pixels = content(rng, 410, 300)
    alpha = rng.integers(0, 256, size=(300, 410), dtype=np.uint8)
    save("rgba_410x300.png", Image.fromarray(np.dstack([pixels, alpha]), "RGBA"))
    grey = content(rng, 301, 199)[..., 0]
    save("grey_301x199.png", Image.fromarray(grey, "L"))
    save("grey_alpha_301x199.png",
         Image.fromarray(np.dstack([grey, grey[::-1, ::-1]]), "LA"))
    save("bilevel_150x90.png", Image.fromarray(content(rng, 150, 90)[..., 2] > 127))
    palette = Image.fromarray(content(rng, 260, 180), "RGB").quantize(colors=37)
    save("palette_260x180.png", palette, transparency=5)
    save("palette_260x180.gif", palette)
    wide = (content(rng, 123, 77).astype(np.uint16) * 257) ^ rng.integers(
        0, 256, size=(77, 123, 3), dtype=np.uint16)
    (directory / "rgb16_123x77.png").write_bytes(png_rgb16(wide))
    save("rgb_333x250.bmp", Image.fromarray(content(rng, 333, 250), "RGB"))
    save("palette_250x170.bmp", palette.crop((0, 0, 250, 170)))
    rgbx = np.dstack([content(rng, 270, 190), alpha[:190, :270]])
    save("rgbx_270x190.bmp", Image.fromarray(rgbx, "RGBA"))  # 32 bits per pixel

    photo = Image.fromarray(content(rng, 800, 533), "RGB")
    save("rgb420_800x533.jpg", photo, quality=90, subsampling=2)
    save("rgb444_533x800.jpg", photo.transpose(Image.Transpose.ROTATE_90), quality=95,
         subsampling=0)
    save("progressive_640x427.jpg", photo.resize((640, 427)), quality=85, progressive=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation "rotate 90 CW", which neither Pillow's open nor ours applies
    save("exif_rotated_300x200.jpg", photo.resize((300, 200)), quality=90, exif=exif)
    save("grey_350x240.jpg", Image.fromarray(content(rng, 350, 240)[..., 1], "L"), quality=90)
    save("cmyk_120x80.jpg", photo.resize((120, 80)).convert("CMYK"), quality=90)
    # Pillow ignores embedded colour profiles; the preprocessing must not apply them either.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    save("icc_srgb_320x240.jpg", photo.resize((320, 240)), quality=90, icc_profile=srgb)
    if icc_profile is not None:
        save("icc_other_320x240.jpg", photo.resize((320, 240)), quality=90,
             icc_profile=icc_profile.read_bytes())


def resample_cases(rng):
    cases = [(1, 1, 224, 224), (3, 1000, 224, 224), (1000, 3, 224, 224), (224, 224, 224, 224),
             (224, 900, 224, 224), (900, 224, 224, 224), (2, 3, 5, 7), (640, 1056, 224, 224),
             (640, 1057, 224, 224), (230, 236, 224, 224), (230, 237, 224, 224)]
    for _ in range(40):
        out_width, out_height = (int(v) for v in rng.integers(1, 300, size=2))
        width, height = (int(v) for v in rng.integers(1, 600, size=2))
        cases.append((width, height, out_width, out_height))
        # Either side of the pass-order boundary for that output size.
        width = out_width + int(rng.integers(1, 200))
        boundary = out_height + 2 * (width - out_width)
        for extra in (0, 1):
            cases.append((width, boundary + extra, out_width, out_height))
    return cases


def resample(out, resample_filter):
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(77)
    manifest = []
    for index, (width, height, out_width, out_height) in enumerate(resample_cases(rng)):
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        resized = Image.fromarray(pixels, "RGB").resize((out_width, out_height), resample_filter)
        (out / f"{index}.in.rgb").write_bytes(pixels.tobytes())
        (out / f"{index}.out.rgb").write_bytes(np.asarray(resized, dtype=np.uint8).tobytes())
        manifest.append({"width": width, "height": height,
                         "outWidth": out_width, "outHeight": out_height})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))


def main(argv):
    if len(argv) in (2, 3) and argv[0] == "synth":
        synthesize(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    elif len(argv) == 3 and argv[0] == "resample" and argv[2] in FILTERS:
        resample(Path(argv[1]), FILTERS[argv[2]])
    elif len(argv) >= 4 and argv[0] == "run" and argv[2] in METHODS:
        run(Path(argv[1]), argv[2], [Path(p) for p in argv[3:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
