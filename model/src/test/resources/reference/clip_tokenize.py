"""Reference CLIP tokenizers for cross-checking ClipTokenizer (Java) in integration tests.

Two normalisations, chosen with --normalization:
  openai_ftfy (default)  cleans text the way OpenAI's simple_tokenizer does (ftfy.fix_text,
                         html.unescape twice, strip, whitespace collapse, lower) and encodes it
                         with a Hugging Face `tokenizers` BPE built from CLIP's merges file.
  hf_fast                Hugging Face's fast CLIP tokenizer (CLIPTokenizerFast), which the
                         reference MMoE code uses, rebuilt with `tokenizers` the way transformers'
                         convert_slow_tokenizer.CLIPConverter builds it (normalizer NFC, Replace
                         \s+ -> " ", Lowercase; Split on CLIP's word regex then ByteLevel; the
                         start and end tokens added as special tokens matched in normalised text,
                         "normalized": true as in openai/clip-vit-base-patch32's tokenizer
                         config), since its tokenizer.json cannot be downloaded here.

usage: clip_tokenize.py MERGES_GZ [--normalization openai_ftfy|hf_fast] [--no-fix-encoding]
                        < texts > ids
  stdin:  one JSON string per line
  stdout: one JSON array of ids per line, with <|startoftext|> and <|endoftext|>, unpadded
  --no-fix-encoding: openai_ftfy only: run ftfy without its mojibake repair
                     (fix_encoding=False), to tell apart differences that come only from that step
"""
import gzip
import html
import json
import re
import sys

import ftfy
from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

MERGE_COUNT = 48894
START, END = "<|startoftext|>", "<|endoftext|>"
WORD_PATTERN = (r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]"
                r"|[^\s\p{L}\p{N}]+")
# CLIPConverter's copy of the word regex, without the special tokens (extracted before).
HF_WORD_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"


def byte_alphabet():
    """GPT-2's byte-level stand-ins, in vocabulary order (printable bytes first)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    rest = [b for b in range(256) if b not in printable]
    return [chr(b) for b in printable] + [chr(256 + i) for i in range(len(rest))]


def build_tokenizer(merges_gz, normalization):
    with gzip.open(merges_gz, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1:1 + MERGE_COUNT]]
    symbols = byte_alphabet()
    vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + [START, END]
    model = models.BPE(
        vocab={token: i for i, token in enumerate(vocab)},
        merges=merges,
        unk_token=END,
        continuing_subword_prefix="",
        end_of_word_suffix="</w>",
        fuse_unk=False,
    )
    tokenizer = Tokenizer(model)
    if normalization == "hf_fast":
        tokenizer.normalizer = normalizers.Sequence(
            [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(HF_WORD_PATTERN), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ])
        specials = [AddedToken(t, lstrip=False, rstrip=False, normalized=True, special=True)
                    for t in (START, END)]
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(WORD_PATTERN), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
        specials = [AddedToken(START, normalized=False), AddedToken(END, normalized=False)]
    tokenizer.post_processor = processors.RobertaProcessing(
        (END, vocab.index(END)), (START, vocab.index(START)), trim_offsets=False, add_prefix_space=False)
    tokenizer.add_special_tokens(specials)
    return tokenizer


def clean(text, fix_encoding):
    text = ftfy.fix_text(text, fix_encoding=fix_encoding)
    text = html.unescape(html.unescape(text)).strip()
    # OpenAI uses the `regex` module, whose \s lacks U+001C..U+001F; ftfy has removed those by now.
    return re.sub(r"\s+", " ", text).strip().lower()


def main():
    args = sys.argv[1:]
    fix_encoding = "--no-fix-encoding" not in args
    normalization = "openai_ftfy"
    if "--normalization" in args:
        at = args.index("--normalization")
        normalization = args[at + 1] if at + 1 < len(args) else ""
        del args[at:at + 2]
    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1 or normalization not in ("openai_ftfy", "hf_fast"):
        sys.exit(__doc__)
    tokenizer = build_tokenizer(paths[0], normalization)
    stdin = open(sys.stdin.fileno(), encoding="utf-8", newline="\n")
    stdout = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="\n")
    texts = [json.loads(line) for line in stdin if line.strip()]
    if normalization == "openai_ftfy":
        texts = [clean(text, fix_encoding) for text in texts]
    for encoding in tokenizer.encode_batch(texts):
        stdout.write(json.dumps(encoding.ids) + "\n")
    stdout.flush()


if __name__ == "__main__":
    main()
