package dev.mmel.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The architecture of the text tower, and the one tokenizer whose ids its graph understands. */
public enum TextTowerKind {
  /** CLIP's text transformer: causal mask, EOS pooling, text projection. */
  CLIP("clip", TokenizerKind.CLIP_BPE),
  /** A BERT encoder (bge-small-en-v1.5): padding mask only, [CLS] pooling, no projection. */
  BERT("bert", TokenizerKind.WORDPIECE);

  private final String id;
  private final TokenizerKind tokenizer;

  TextTowerKind(String id, TokenizerKind tokenizer) {
    this.id = id;
    this.tokenizer = tokenizer;
  }

  public String id() {
    return id;
  }

  /** The graph finds pads and the pooled position from this tokenizer's ids, so it is fixed. */
  public TokenizerKind tokenizer() {
    return tokenizer;
  }

  public static TextTowerKind parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (TextTowerKind kind : values()) {
      if (kind.id.equals(wanted)) {
        return kind;
      }
    }
    throw new IllegalArgumentException("text.kind '" + text + "' is unknown; use one of "
        + Arrays.stream(values()).map(TextTowerKind::id).collect(Collectors.joining(", ")));
  }
}
