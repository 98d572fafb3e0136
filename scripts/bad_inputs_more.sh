# More cases for scripts/bad_inputs.sh (sourced by it, in its scratch folder, with its check helpers):
# forged PNG records, corrupted model folders, training runs and checkpoints, full and read-only
# disks, signals part way, every command's flags, and many more config values.

# --- setup: a tiny trained run, forged files ---------------------------------------------------
sed "s|path: .*|path: $PWD/tiny-data|" "$root/Configs/tiny.yaml" > tiny.yaml
"$t2i" train-encoder --config tiny.yaml --run tiny >/dev/null 2>&1
"$t2i" train-ae --config tiny.yaml --run tiny >/dev/null 2>&1
"$t2i" train-unet --config tiny.yaml --run tiny >/dev/null 2>&1
mkfifo fifo2.png; mkdir -p ds-dir/captions.jsonl
[ -f tiny/unet/config.json ] || { echo "setup: the tiny run did not train" >&2; exit 1; }
cp -r tiny tiny-cut; head -c 5000 tiny/state/unet.safetensors > tiny-cut/state/unet.safetensors 2>/dev/null || true
python3 - "$PWD/good.png" <<'PY'
import struct, sys, zlib
png = open(sys.argv[1], "rb").read()
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
# Split off the text chunks of good.png and rewrite them with one value replaced.
pos, head, texts, tail = 8, b"", {}, b""
order = []
while pos < len(png):
    n = struct.unpack(">I", png[pos:pos + 4])[0]; t = png[pos + 4:pos + 8]; d = png[pos + 8:pos + 8 + n]
    if t == b"tEXt":
        k, v = d.split(b"\0", 1); texts[k] = v; order.append(k)
    elif t == b"IEND": tail = png[pos:pos + 12 + n]
    else: head += png[pos:pos + 12 + n]
    pos += 12 + n
def forge(name, **changes):
    values = dict(texts)
    for k, v in changes.items():
        key = k.replace("__", ":").encode()
        if v is None: values.pop(key, None)
        else: values[key] = v.encode()
    body = b"".join(chunk(b"tEXt", k + b"\0" + v) for k, v in values.items())
    open(name, "wb").write(b"\x89PNG\r\n\x1a\n" + head + body + tail)
forge("f-steps.png", t2i__steps="1000000")
forge("f-steps0.png", t2i__steps="0")
forge("f-count.png", t2i__count="99999")
forge("f-guidance.png", t2i__guidance="nan")
forge("f-seed.png", t2i__seed="-1")
forge("f-sampler.png", t2i__sampler="magic")
forge("f-model.png", t2i__model="/nonexistent/model")
forge("f-noprompt.png", t2i__prompt=None)
forge("f-eta.png", t2i__eta="1e999")
forge("f-init.png", t2i__init_image="gone.png", t2i__init_image_sha256="0" * 64, t2i__strength="0.5")
forge("f-initdigest.png", t2i__init_image="good.png", t2i__init_image_sha256="0" * 64, t2i__strength="0.5")
forge("f-strength.png", t2i__init_image="good.png", t2i__init_image_sha256="0" * 64, t2i__strength="7")
forge("f-longprompt.png", t2i__prompt="a red circle " * 5000)
# Odd but valid init images: 1×1, long and thin, grey, palette.
def png_bytes(w, h, depth, colour, rows, plte=None):
    raw = b"".join(b"\0" + r for r in rows)
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))
    if plte: body += chunk(b"PLTE", plte)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open("one.png", "wb").write(png_bytes(1, 1, 8, 2, [b"\xff\x00\x00"]))
open("thin.png", "wb").write(png_bytes(3000, 2, 8, 2, [b"\x80" * 9000] * 2))
open("grey.png", "wb").write(png_bytes(40, 40, 8, 0, [bytes(range(40))] * 40))
open("palette.png", "wb").write(png_bytes(32, 32, 8, 3, [bytes([i % 2 for i in range(32)])] * 32, plte=b"\xff\xff\xff\x00\x00\xff"))
open("mask-small.png", "wb").write(png_bytes(8, 8, 8, 0, [b"\xff" * 8] * 8))
# A safetensors file whose header claims 2^60 bytes, and one whose tensor runs past the end.
open("st-huge.safetensors", "wb").write(struct.pack("<Q", 1 << 60) + b"{}")
hdr = b'{"w": {"dtype": "F32", "shape": [1000000], "data_offsets": [0, 4000000]}}'
open("st-short.safetensors", "wb").write(struct.pack("<Q", len(hdr)) + hdr + b"\0" * 16)
PY

# --- generate: forged records and odd inputs -----------------------------------------------------
for f in f-steps f-steps0 f-count f-guidance f-seed f-sampler f-model f-noprompt f-eta f-init f-initdigest f-strength; do
    check "generate --from: forged $f" generate --from "$f.png"
done
check_ok "generate --from: a 65 000-character prompt (truncated by the tokenizer)" generate --from f-longprompt.png --run "$model" --out long-regen.png
check_ok "generate: prompt of spaces" generate "   " --run "$model" --steps 3 --out spaces.png
check_ok "generate: emoji-only prompt" generate "🔴🟦" --run "$model" --steps 3 --out emoji.png
check_ok "generate: 17 images (two batches)" generate "$p" --run "$model" --steps 2 --count 17 --out many.png
check_ok "generate: largest seed" generate "$p" --run "$model" --steps 2 --seed 18446744073709551615 --count 2 --out maxseed.png
check "generate: seed past UInt64" generate "$p" --run "$model" --seed 18446744073709551616
check "generate: --guidance inf" generate "$p" --run "$model" --guidance inf
check_ok "generate: --guidance -3 (negative guidance is defined)" generate "$p" --run "$model" --steps 3 --guidance -3 --out negg.png
check "generate: --eta 1e30" generate "$p" --run "$model" --steps 3 --eta 1e30 --out eta.png
check "generate: --sampler empty" generate "$p" --run "$model" --sampler ""
check "generate: --out empty" generate "$p" --run "$model" --steps 2 --out ""
check "generate: --out a folder path" generate "$p" --run "$model" --steps 2 --out newdir/
check "generate: --out under a file" generate "$p" --run "$model" --steps 2 --out notes.png/x.png
check "generate: --count abc" generate "$p" --run "$model" --count abc
check "generate: --steps 1.5" generate "$p" --run "$model" --steps 1.5
check "generate: unknown flag" generate "$p" --run "$model" --stepz 3
check_ok "generate: init image 1×1" generate "$p" --run "$model" --steps 4 --init-image one.png --out i1.png
check_ok "generate: init image 3000×2" generate "$p" --run "$model" --steps 4 --init-image thin.png --out i2.png
check_ok "generate: grey init image" generate "$p" --run "$model" --steps 4 --init-image grey.png --out i3.png
check_ok "generate: palette init image" generate "$p" --run "$model" --steps 4 --init-image palette.png --out i4.png
check "generate: mask of another size" generate "$p" --run "$model" --init-image grey.png --mask mask-small.png
check "generate: mask is a FIFO" generate "$p" --run "$model" --init-image good.png --mask fifo.png
check "generate: init image is a folder" generate "$p" --run "$model" --init-image dir.png
check "generate: --trajectory onto a FIFO" generate "$p" --run "$model" --steps 2 --out fifo2.png --trajectory

# --- model folders -------------------------------------------------------------------------------
corrupt() {  # corrupt NAME FILE CONTENT : a copy of the shipped model with FILE replaced
    rm -rf "$1"; cp -r "$model" "$1"; printf '%s' "$3" > "$1/$2"
}
corrupt m1 unet/config.json '{"_class_name": "UNet2DConditionModel", "block_out_channels": [100000, 100000], "sample_size": 4}'
check "model: U-Net 100 000 channels wide (allocation bomb)" generate "$p" --run m1
corrupt m2 unet/config.json '{"_class_name": "UNet2DConditionModel", "block_out_channels": "wide"}'
check "model: U-Net config with a wrong type" generate "$p" --run m2
corrupt m3 unet/config.json '[]'
check "model: U-Net config not an object" generate "$p" --run m3
corrupt m4 vae/config.json '{"_class_name": "AutoencoderKL", "latent_channels": 9}'
check "model: autoencoder of 9 latent channels" generate "$p" --run m4
corrupt m5 text_encoder/config.json '{"architectures": ["CLIPTextModel"], "hidden_size": 96}'
check "model: text encoder of another width" generate "$p" --run m5
corrupt m6 tokenizer/tokenizer.model 'not a sentencepiece model'
check "model: tokenizer not a model" generate "$p" --run m6
rm -rf m7; cp -r "$model" m7; cp tiny/tokenizer/tokenizer.model m7/tokenizer/tokenizer.model
check "model: another valid tokenizer" generate "$p" --run m7
corrupt m8 scheduler/scheduler_config.json '{"_class_name": "DDIMScheduler", "num_train_timesteps": 0}'
check "model: scheduler of 0 timesteps" generate "$p" --run m8
corrupt m9 scheduler/scheduler_config.json '{"_class_name": "DDIMScheduler", "beta_start": 0.5, "beta_end": 0.0001}'
check "model: betas decreasing" generate "$p" --run m9
corrupt m10 scheduler/scheduler_config.json '{"_class_name": "DDIMScheduler", "prediction_type": "sample_magic"}'
check "model: unknown prediction type" generate "$p" --run m10
rm -rf m11; cp -r "$model" m11; cp st-huge.safetensors m11/unet/diffusion_pytorch_model.safetensors
check "model: safetensors header of 2^60 bytes" generate "$p" --run m11
rm -rf m12; cp -r "$model" m12; cp st-short.safetensors m12/vae/diffusion_pytorch_model.safetensors
check "model: safetensors tensor past the end" generate "$p" --run m12
rm -rf m13; cp -r "$model" m13; cp tiny/unet/diffusion_pytorch_model.safetensors m13/unet/
check "model: weights of another U-Net" generate "$p" --run m13
corrupt m14 unet/config.json '{"_class_name": "UNet2DConditionModel", "sample_size": 4000000}'
check "model: U-Net sample size 4 000 000" generate "$p" --run m14
rm -rf m15; cp -r "$model" m15; rm m15/vae/diffusion_pytorch_model.safetensors
check "model: autoencoder weights missing" generate "$p" --run m15
check "eval shapes: a corrupted model" eval shapes --run m2 --seeds 1
check "export: a corrupted model" export --run m13 --out out-m13

# --- training runs, checkpoints, signals ---------------------------------------------------------
check "train-unet: finished stage without --resume or --restart" train-unet --run tiny
check "train-unet --resume: truncated checkpoint" train-unet --run tiny-cut --resume --set unet_training.steps=80
check "train-unet --resume: checkpoint of another width" train-unet --run tiny --resume --set unet_training.steps=80 --set unet.block_out_channels=[16,32]
check "train-ae: bad --set on a trained run" train-ae --run tiny --resume --set vae_training.learning_rate=-1
check "train-encoder: --config is a folder" train-encoder --config dir.png --run new1
check "train-encoder: --config missing" train-encoder --config gone.yaml --run new2
check "train-encoder: data.path is a file" train-encoder --run new3 --set data.kind=folder --set data.path="$PWD/notes.png"
mkdir -p ds-one && cp good.png ds-one/a.png && printf '{"file": "a.png", "text": "a red circle"}\n' > ds-one/captions.jsonl
check "train-encoder: a one-image dataset" train-encoder --run new4 --set data.kind=folder --set data.path="$PWD/ds-one" --set data.size=32
mkdir -p ds-fifo && mkfifo ds-fifo/captions.jsonl
check "train-encoder: captions.jsonl is a FIFO" train-encoder --run new5 --set data.kind=folder --set data.path="$PWD/ds-fifo" --set data.size=32
mkdir -p ds-bad && for i in 1 2 3; do printf 'garbage %s\n' $i >> ds-bad/captions.jsonl; done
check "train-encoder: every captions line bad" train-encoder --run new6 --set data.kind=folder --set data.path="$PWD/ds-bad" --set data.size=32
mkdir -p ds-link && ln -s /etc/passwd ds-link/a.png && printf '{"file": "a.png", "text": "x"}\n' > ds-link/captions.jsonl
check "data info: a symlink out of the folder" data info ds-link
check "train-unet: vae deleted from a run" train-unet --run m15 --restart
check "train-ae: tokenizer only run" train-unet --run new7
for sig in INT TERM; do
    rm -rf sig-$sig && cp -r tiny sig-$sig && rm -rf sig-$sig/unet sig-$sig/scheduler sig-$sig/state/unet.safetensors sig-$sig/logs/unet.jsonl
    check_signal "train-unet: SIG$sig while training" $sig 8 train-unet --run sig-$sig --set unet_training.steps=100000
    [ -f sig-$sig/state/unet.safetensors ] || echo "LOST      train-unet: no checkpoint after SIG$sig"
done
check_signal "data shapes: SIGINT while generating" INT 1 data shapes --count 500000 --out sig-shapes
[ -e sig-shapes ] && echo "LEFT      data shapes: sig-shapes remains after SIGINT"
check_signal "quickstart: SIGINT while making data" INT 1 quickstart --minutes 5 --run sig-quick

# Full and read-only disks (needs root for mount; skipped otherwise).
if mkdir -p full ro && mount -t tmpfs -o size=300k tmpfs full 2>/dev/null; then
    # Images are written as each batch finishes: those made before the disk filled are kept, the
    # rest refused with one line. Counted clean when that is what happened.
    out=$(timeout 60 "$t2i" generate "$p" --run "$model" --steps 2 --count 200 --out full/x.png 2>&1 >/dev/null); rc=$?
    total=$((total + 1)); kept=$(ls full/x-*.png 2>/dev/null | wc -l)
    if [ $rc -eq 1 ] && grep -q "No space left on device" <<<"$out"; then
        clean=$((clean + 1)); echo "clean(1) generate: --out on a full disk (kept the $kept images written before it filled): $(grep -v '^denoising' <<<"$out" | head -1 | cut -c1-120)"
    else zero=$((zero + 1)); echo "WRONG($rc) generate: --out on a full disk: $out"; fi
    rm -f full/x-*.png
    check "export: onto a full disk" export --run "$model" --out full/model
    check "data shapes: onto a full disk" data shapes --count 2000 --out full/shapes
    cp -r tiny/tokenizer full/ 2>/dev/null
    check "train-encoder: run folder on a full disk" train-encoder --config tiny.yaml --run full/run
    umount full
    mkdir -p ro-src && mount --bind -o ro ro-src ro
    check "generate: --out on a read-only disk" generate "$p" --run "$model" --steps 2 --out ro/x.png
    check "export: onto a read-only disk" export --run "$model" --out ro/model
    check "train-encoder: run folder on a read-only disk" train-encoder --config tiny.yaml --run ro/run
    check "data shapes: onto a read-only disk" data shapes --count 10 --out ro/shapes
    umount ro
fi

# --- data, tokenizer, eval, diffuse, export flags ------------------------------------------------
check "data shapes: --count -1" data shapes --count -1 --out s1
check "data shapes: --count 10^12" data shapes --count 1000000000000 --out s2
check "data shapes: --size 0" data shapes --size 0 --out s3
check "data shapes: --size 100000" data shapes --size 100000 --out s4
check "data shapes: --out onto a file" data shapes --count 10 --out notes.png
check "data shapes: --two-object-fraction 2" data shapes --count 10 --two-object-fraction 2 --out s5
check "data emoji: missing names file" data emoji --names gone.txt --twemoji dir.png --out e1
check "data info: a file, not a folder" data info notes.png
check "data info: captions.jsonl is a folder" data info ds-dir
printf 'hello\n' > caps.txt; printf '\0\1\2\3' > binary.txt; : > empty.txt
check "tokenizer train: missing input" tokenizer train --input gone.txt --out t1.model
check "tokenizer train: empty input" tokenizer train --input empty.txt --out t2.model
check "tokenizer train: binary input" tokenizer train --input binary.txt --out t3.model
check "tokenizer train: --vocab-size 0" tokenizer train --input caps.txt --vocab-size 0 --out t4.model
check "tokenizer train: --vocab-size 10^9" tokenizer train --input caps.txt --vocab-size 1000000000 --out t5.model
check "tokenizer train: --out onto a folder" tokenizer train --input caps.txt --out dir.png
check "tokenizer encode: not a model" tokenizer encode --model notes.png "hello"
check "tokenizer decode: not numbers" tokenizer decode --model "$model/tokenizer/tokenizer.model" "abc"
check "tokenizer decode: id past the vocabulary" tokenizer decode --model "$model/tokenizer/tokenizer.model" 99999999999
check "tokenizer decode: negative id" tokenizer decode --model "$model/tokenizer/tokenizer.model" -- -1
check "eval shapes: --seeds 0" eval shapes --run "$model" --seeds 0
check "eval shapes: --seeds 10^9" eval shapes --run "$model" --seeds 1000000000
check "eval shapes: --steps 0" eval shapes --run "$model" --steps 0
check "eval shapes: --grid onto a FIFO" eval shapes --run "$model" --seeds 1 --steps 2 --grid fifo.png
check "eval ae: missing run" eval ae --run gone
check "eval encoder: run without a CLIP model" eval encoder --run m15-none
check "diffuse: --timesteps 5000" diffuse good.png --run "$model" --timesteps 5000
check "diffuse: --timesteps -1" diffuse good.png --run "$model" --timesteps=-1
check "diffuse: --timesteps abc" diffuse good.png --run "$model" --timesteps abc
check "diffuse: --out onto a foreign file" diffuse good.png --run "$model" --out notes.png
check "export: --out an existing model without --force" export --run "$model" --out m1
check "export: --out onto a file with --force" export --run "$model" --out notes.png --force
check "bench: unknown workload" bench magic
check "config show: missing file" config show gone.yaml
check "unknown command" paint "$p"

# --- more config values --------------------------------------------------------------------------
for s in unet.cross_attention_dim=0 unet.block_out_channels=[64,64,64,64,64,64,64,64,64,64] vae.latent_channels=100000 \
         data.size=100000 data.count=1000000000000 unet_training.batch_size=1000000000 encoder_training.warmup_steps=-1 \
         unet_training.grad_clip=nan unet_training.weight_decay=inf scheduler.num_train_timesteps=0 scheduler.beta_start=1 \
         scheduler.beta_end=0 scheduler.prediction_type=x diffusion.min_snr_gamma=nan sampling.guidance=1e39 \
         data.validation_per_mille=1001 data.two_object_fraction=2 tokenizer.model_type=bpe2 text_encoder.hidden_act=relu6 \
         vae.layers_per_block=0 unet.sample_size=100000 seed=1e30 seed=abc sampling.steps=1000000000 \
         unet_training.checkpoint_every=-1 encoder_training.learning_rate=-1 vae_training.batch_size=-3 \
         text_encoder.hidden_size=100000 text_encoder.num_hidden_layers=1000 vision_encoder.image_size=0 \
         clip.logit_scale_init=nan vae_loss.kl_weight=-1 'unet.block_out_channels=[64, 128' 'sampling.preview_prompts=5' \
         data.path= unet.attention_head_dim=0 unet.norm_num_groups=0 vae.norm_num_groups=1000; do
    check "config validate --set $s" config validate "$root/Configs/shapes-32.yaml" --set "$s"
done
check "config validate: --set without =" config validate "$root/Configs/shapes-32.yaml" --set unet.layers_per_block
check "config validate: --set of a whole section" config validate "$root/Configs/shapes-32.yaml" --set unet=1
printf 'unet:\n  block_out_channels: [32, 64]\nunet:\n  layers_per_block: 1\n' > dup.yaml
check "config validate: a repeated section" config validate dup.yaml
printf '\xff\xfe bad bytes: 1\n' > bytes.yaml
check "config validate: bytes that are not UTF-8" config validate bytes.yaml
printf 'unet: &a\n  layers_per_block: *a\n' > cycle.yaml
check "config validate: an alias to itself" config validate cycle.yaml
python3 -c "print('a:' + ' [' * 5000 + ']' * 5000)" > deep.yaml
check "config validate: nesting 5000 deep" config validate deep.yaml

# --- own images (issue 15): bad JPEGs and captions in a folder, each convention ------------------
jpegs="$root/Tests/Fixtures/jpeg"
mkdir -p own-bad && for i in 1 2 3 4 5 6; do cp "$jpegs/rgb-baseline-24x16.jpg" "own-bad/good$i.jpg"; printf 'a photo %s\n' $i > "own-bad/good$i.txt"; done
for f in truncated corrupt empty huge-65000x65000; do
    rm -rf "own-$f" && cp -r own-bad "own-$f" && cp "$jpegs/$f.jpg" "own-$f/bad.jpg" && printf 'a bad photo\n' > "own-$f/bad.txt"
    check "data info: $f.jpg in a sidecar folder" data info "own-$f" --size 16
    check "train-encoder: $f.jpg in a sidecar folder" train-encoder --run "own-run-$f" --config tiny.yaml --set data.kind=folder --set data.path="$PWD/own-$f"
done
for f in image.gif image.bmp image.webp; do
    rm -rf "own-$f" && cp -r own-bad "own-$f" && cp "$jpegs/$f" "own-$f/bad.png" && printf 'a bad photo\n' > "own-$f/bad.txt"
    check "data prepare: $f named .png" data prepare "own-$f" --size 16
done
rm -rf own-orphan && cp -r own-bad own-orphan && printf 'no image\n' > own-orphan/lonely.caption
check "data prepare: a caption file without its image" data prepare own-orphan --size 16
rm -rf own-bare && cp -r own-bad own-bare && cp "$jpegs/gray-24x16.jpg" own-bare/nocaption.jpg
check "data prepare: an image without a caption" data prepare own-bare --size 16
rm -rf own-meta && cp -r own-bad own-meta && rm own-meta/*.txt && printf '{"file_name": "good1.jpg", "txt": "x"}\n' > own-meta/metadata.jsonl
check "data prepare: metadata.jsonl without the caption column" data prepare own-meta --size 16
check "data prepare: --caption-column that is not there" data prepare own-meta --size 16 --caption-column label
check "data prepare: --resize-filter unknown" data prepare own-bad --size 16 --resize-filter nearest
check "data prepare: --size 0" data prepare own-bad --size 0
check "config validate: data.crop unknown" config validate "$root/Configs/shapes-32.yaml" --set data.crop=middle
check "config validate: data.resize_filter unknown" config validate "$root/Configs/shapes-32.yaml" --set data.resize_filter=nearest
check_ok "data prepare --allow-bad: the truncated JPEG is skipped" data prepare own-truncated --size 16 --allow-bad
mkdir -p own-png-named-jpg && for i in 1 2 3; do cp good.png "own-png-named-jpg/p$i.jpg"; printf 'a picture\n' > "own-png-named-jpg/p$i.txt"; done
check_ok "data info: a PNG named .jpg (read by content)" data info own-png-named-jpg --size 16
