#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (Tests/Fixtures/fuzz/TARGET/), stdlib only.

Usage: scripts/make_fuzz_seeds.py [path/to/t2i]  (default .build/release/t2i)
The t2i binary adds two PNGs it writes itself (a single image and a grid, with their generation
records) from the shipped model. Seeds are small (a few KB each) and deterministic; inputs a
fuzzing run found to crash are added to the same folders by hand, named crash-*.
"""
import json, os, shutil, struct, subprocess, sys, tempfile, zlib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Tests", "Fixtures", "fuzz")
t2i = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/release/t2i"))


def write(target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- safetensors -------------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad=True):
    header, blob = {}, b""
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + blob


write("safetensors", "empty.safetensors", safetensors({}))
write("safetensors", "f32.safetensors", safetensors({"w": ("F32", [2, 3], struct.pack("<6f", *range(6)))}))
write("safetensors", "f16-bf16.safetensors", safetensors({
    "a": ("F16", [4], struct.pack("<4e", 1.0, -2.0, 0.5, 65504.0)),
    "b": ("BF16", [2, 1], b"\x80\x3f\x00\xc0")}))
write("safetensors", "ints.safetensors", safetensors({
    "i64": ("I64", [3], struct.pack("<3q", -1, 0, 2**40)), "i32": ("I32", [2], struct.pack("<2i", 7, -7)),
    "u8": ("U8", [4], b"\x00\x01\xfe\xff"), "bool": ("BOOL", [2], b"\x00\x01"), "i8": ("I8", [1], b"\x80")}))
write("safetensors", "metadata.safetensors", safetensors(
    {"x": ("F32", [1], struct.pack("<f", 3.0))}, {"format": "pt", "t2i_tokenizer_sha256": "ab" * 32}))
write("safetensors", "scalar-and-empty.safetensors", safetensors({
    "s": ("F32", [], struct.pack("<f", 1.5)), "z": ("F32", [0, 4], b"")}))
write("safetensors", "unpadded.safetensors", safetensors({"w": ("F64", [2], struct.pack("<2d", 1, 2))}, pad=False))
write("safetensors", "two-tensors.safetensors", safetensors({
    "down.weight": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)), "down.bias": ("F32", [2], struct.pack("<2f", 0, 0))}))
for name in ["Tests/Fixtures/safetensors/python_dtypes.safetensors", "Tests/Fixtures/optim/adamw.safetensors"]:
    shutil.copy(os.path.join(root, name), os.path.join(out, "safetensors", "fixture-" + os.path.basename(name)))


# --- PNG -------------------------------------------------------------------------------------
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, depth, colour, rows, extra=(), interlace=0, palette=None, trns=None):
    raw = b"".join(b"\x00" + row for row in rows)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))
    if palette:
        body += chunk(b"PLTE", palette)
    if trns:
        body += chunk(b"tRNS", trns)
    for kind, data in extra:
        body += chunk(kind, data)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


pngs = {
    "rgb-4x3.png": png(4, 3, 8, 2, [bytes(v for x in range(4) for v in (x * 60, y * 80, 200)) for y in range(3)]),
    "rgba-3x3.png": png(3, 3, 8, 6, [bytes(v for x in range(3) for v in (255, x * 100, 0, y * 120)) for y in range(3)]),
    "gray-5x2.png": png(5, 2, 8, 0, [bytes(range(y * 5, y * 5 + 5)) for y in range(2)]),
    "gray-alpha-2x2.png": png(2, 2, 8, 4, [b"\x10\xff\x80\x00", b"\xff\x80\x00\x00"]),
    "gray-1bit-8x2.png": png(8, 2, 1, 0, [b"\xa5", b"\x5a"]),
    "palette-tRNS-4x2.png": png(4, 2, 8, 3, [b"\x00\x01\x02\x01", b"\x02\x01\x00\x00"],
                                palette=b"\xff\x00\x00\x00\xff\x00\x00\x00\xff", trns=b"\xff\x80"),
    "rgb16-2x2.png": png(2, 2, 16, 2, [b"\xff\xff\x00\x00\x12\x34" * 2, b"\x00\x00\xff\xff\x80\x00" * 2]),
    "interlaced-9x9.png": png(9, 9, 8, 2, [bytes((x * 28) % 256 for x in range(27))] * 9, interlace=1),
    "text-chunks.png": png(1, 1, 8, 2, [b"\x01\x02\x03"], extra=[
        (b"tEXt", b"Title\x00hello"), (b"iTXt", b"Comment\x00\x00\x00en\x00Kommentar\x00caf\xc3\xa9"),
        (b"zTXt", b"Author\x00\x00" + zlib.compress(b"t2i"))]),
}
for name, data in pngs.items():
    write("png", name, data)
    write("png-metadata", name, data)

# PNGs t2i writes itself, with their generation records.
model = os.path.join(root, "Data/models/shapes-32")
with tempfile.TemporaryDirectory() as work:
    one, grid = os.path.join(work, "one.png"), os.path.join(work, "grid.png")
    prompt = "a small blue square in the top left on a black background"
    subprocess.run([t2i, "generate", prompt, "--run", model, "--steps", "2", "--out", one], check=True, capture_output=True)
    subprocess.run([t2i, "generate", "a red circle", "--run", model, "--steps", "2", "--count", "2", "--grid",
                    "--negative", "green", "--out", grid], check=True, capture_output=True)
    inpaint = os.path.join(work, "inpaint.png")
    subprocess.run([t2i, "generate", "a green triangle", "--run", model, "--steps", "4", "--init-image", one,
                    "--mask", os.path.join(root, "Data/examples/mask-middle-band.png"), "--out", inpaint],
                   check=True, capture_output=True)
    for name, path in [("t2i-single.png", one), ("t2i-grid.png", grid), ("t2i-inpaint.png", inpaint)]:
        data = open(path, "rb").read()
        write("png", name, data)
        write("png-metadata", name, data)

# --- JPEG --------------------------------------------------------------------------------------
# The decoding fixtures (from Pillow, scripts/fixtures/jpeg.py), a few bad ones, a PNG (the generic
# reader sniffs it), and bare EXIF blocks for the EXIF parser, which the target also runs on the input.
jpeg_fixtures = os.path.join(root, "Tests", "Fixtures", "jpeg")
os.makedirs(os.path.join(out, "jpeg"), exist_ok=True)
for name in sorted(os.listdir(jpeg_fixtures)):
    if name.endswith(".jpg") and not name.startswith(("empty", "huge")):
        shutil.copy(os.path.join(jpeg_fixtures, name), os.path.join(out, "jpeg", name))
write("jpeg", "rgb-4x3.png", pngs["rgb-4x3.png"])


def exif(byte_order, entries, header=True):
    """An EXIF block: optional "Exif\\0\\0", a TIFF header and IFD0 with (tag, type, count, value) entries."""
    e = "<" if byte_order == b"II" else ">"
    body = byte_order + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", len(entries))
    for tag, kind, count, value in entries:
        field = struct.pack(e + "HH", value, 0) if kind == 3 else struct.pack(e + "I", value)
        body += struct.pack(e + "HHI", tag, kind, count) + field
    return (b"Exif\x00\x00" if header else b"") + body + struct.pack(e + "I", 0)


write("jpeg", "exif-le-6.bin", exif(b"II", [(0x010F, 2, 4, 0x00434241), (0x0112, 3, 1, 6), (0x8769, 4, 1, 0)]))
write("jpeg", "exif-be-8.bin", exif(b"MM", [(0x0112, 3, 1, 8)]))
write("jpeg", "exif-bare-long-3.bin", exif(b"II", [(0x0112, 4, 1, 3)], header=False))

# --- captions.jsonl ----------------------------------------------------------------------------
captions = {
    "plain.jsonl": '{"file": "a.png", "text": "a red circle"}\n{"file": "b/c.png", "text": "a blue square"}\n',
    "extra-keys.jsonl": '{"file":"img.png","text":"a small green triangle","objects":[{"shape":"triangle"}],"seed":3}\n',
    "crlf.jsonl": '{"file": "a.png", "text": "x"}\r\n\r\n{"file": "b.png", "text": "y"}\r\n',
    "bad-lines.jsonl": 'not json\n[1, 2]\n{"file": 3, "text": "x"}\n{"file": "a.png"}\n{"file": "a.png", "text": "  "}\n',
    "escapes.jsonl": '{"file": "caf\\u00e9.png", "text": "line\\nbreak \\"quoted\\" \\ud83d\\ude00"}\n',
    "outside.jsonl": '{"file": "../x.png", "text": "a"}\n{"file": "/etc/passwd", "text": "b"}\n{"file": "a/../../b.png", "text": "c"}\n',
    "unicode.jsonl": '{"file": "\u00e9\u00e8.png", "text": "\u4e00\u4e2a\u7ea2\u8272\u7684\u5706"}\n',
    "blank-and-space.jsonl": '\n   \n\t{"file": "a.png", "text": "ok"}   \n',
}
for name, text in captions.items():
    write("captions", name, text)

# --- configs -----------------------------------------------------------------------------------
os.makedirs(os.path.join(out, "config"), exist_ok=True)
for name in sorted(os.listdir(os.path.join(root, "Configs"))):
    if name.endswith(".yaml"):
        shutil.copy(os.path.join(root, "Configs", name), os.path.join(out, "config", name))
configs = {
    "empty.yaml": "",
    "flow.yaml": "unet: {block_out_channels: [32, 64], layers_per_block: 1}\nsampling: {steps: 10, sampler: ddim}\n",
    "anchors.yaml": "unet_training:\n  steps: &n 100\nencoder_training:\n  steps: *n\n",
    "comments.yaml": "# a comment\ndata:\n  size: 32   # pixels\n  count: 256\n",
    "types.yaml": "sampling:\n  guidance: 7.5\n  eta: 0.0\ntraining: ~\n",
    "document-markers.yaml": "---\nseed: 3\n...\n",
}
for name, text in configs.items():
    write("config", name, text)
print("wrote", sum(len(files) for _, _, files in os.walk(out)), "seeds under", out)
