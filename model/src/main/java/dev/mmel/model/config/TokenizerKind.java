package dev.mmel.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Which tokenizer turns text into a text tower's ids, and the file a model directory carries for
 * it, so that a directory is all a job or server needs to tokenize exactly as the model was made.
 */
public enum TokenizerKind {
  /** CLIP's byte-level BPE ({@code ClipTokenizer}): BOS ... EOS, padded with EOS. */
  CLIP_BPE("clip_bpe", "bpe_simple_vocab_16e6.txt.gz"),
  /** BERT-uncased WordPiece ({@code BgeTokenizer}): [CLS] ... [SEP], padded with 0. */
  WORDPIECE("wordpiece", "tokenizer.json");

  private final String id;
  private final String fileName;

  TokenizerKind(String id, String fileName) {
    this.id = id;
    this.fileName = fileName;
  }

  public String id() {
    return id;
  }

  /** The vocabulary file's name inside a model directory. */
  public String fileName() {
    return fileName;
  }

  public static TokenizerKind parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (TokenizerKind kind : values()) {
      if (kind.id.equals(wanted)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("text.tokenizer '" + text + "' is unknown; use one of "
        + Arrays.stream(values()).map(TokenizerKind::id).collect(Collectors.joining(", ")));
  }
}
