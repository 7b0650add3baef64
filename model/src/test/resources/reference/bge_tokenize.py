"""Reference bge tokenizer for cross-checking BgeTokenizer (Java) in integration tests.

Loads the given tokenizer.json (the one in the langchain4j bge-small-en-v1.5-q jar) with Hugging
Face `tokenizers` and encodes each text as a single sequence with [CLS] and [SEP], untruncated.

usage: bge_tokenize.py TOKENIZER_JSON < texts > ids
  stdin:  one JSON string per line
  stdout: one JSON array of ids per line
"""
import json
import sys

from tokenizers import Tokenizer

BATCH = 1024


def main():
    tokenizer = Tokenizer.from_file(sys.argv[1])
    tokenizer.no_truncation()
    tokenizer.no_padding()
    batch = []
    for line in sys.stdin:
        batch.append(json.loads(line))
        if len(batch) == BATCH:
            flush(tokenizer, batch)
    flush(tokenizer, batch)


def flush(tokenizer, batch):
    for encoding in tokenizer.encode_batch(batch):
        sys.stdout.write(json.dumps(encoding.ids) + "\n")
    batch.clear()


if __name__ == "__main__":
    main()
