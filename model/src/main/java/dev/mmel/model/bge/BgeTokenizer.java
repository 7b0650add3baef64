package dev.mmel.model.bge;

import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * bge-small-en-v1.5's BERT-uncased WordPiece tokenizer, built from the tokenizer.json in the
 * langchain4j jar and giving the ids Hugging Face {@code tokenizers} gives for that file.
 *
 * <p>A text is first cut at special tokens written literally in it ("[SEP]", "[CLS]", "[PAD]",
 * "[MASK]", "[UNK]", case-sensitive, anywhere, even inside a word), which keep their ids; every
 * piece between them is normalized ({@link BertNormalizer}), split into words
 * ({@link BertPreTokenizer}) and cut into word pieces ({@link WordPiece}). The sequence is
 * {@code [CLS] pieces... [SEP]}.
 *
 * <p>Immutable and safe to share across threads.
 */
public final class BgeTokenizer implements TextTokenizer {
  /** Character properties come from the JDK's Unicode tables: characters unknown to either side may differ. */
  private final BertNormalizer normalizer = new BertNormalizer();
  private final BertPreTokenizer preTokenizer = new BertPreTokenizer();
  private final WordPiece wordPiece;
  private final Map<String, Integer> specials;
  private final int cls;
  private final int sep;
  private final int pad;

  BgeTokenizer(WordPiece wordPiece, Map<String, Integer> specials, int cls, int sep, int pad) {
    this.wordPiece = wordPiece;
    this.specials = Map.copyOf(specials);
    this.cls = cls;
    this.sep = sep;
    this.pad = pad;
  }

  /** The tokenizer.json of the bge-small-en-v1.5 jar on the classpath. */
  public static BgeTokenizer load() {
    return TokenizerJson.parse(BgeResources.read(BgeResources.TOKENIZER), "classpath:" + BgeResources.TOKENIZER);
  }

  /** A tokenizer.json of the same kind, e.g. the one a BERT model directory carries. */
  public static BgeTokenizer load(Path tokenizerJson) throws IOException {
    return TokenizerJson.parse(Files.readAllBytes(tokenizerJson), tokenizerJson.toString());
  }

  public int clsId() {
    return cls;
  }

  public int sepId() {
    return sep;
  }

  public int padId() {
    return pad;
  }

  /** {@code [CLS] tokens... [SEP]}, not truncated. */
  public int[] encode(String text) {
    IdList ids = new IdList();
    ids.add(cls);
    appendPieces(text, ids, Integer.MAX_VALUE);
    ids.add(sep);
    return ids.toArray();
  }

  /**
   * {@code [CLS] tokens... [SEP]}, the tokens cut from the right so that the whole sequence has at
   * most {@code positions} ids (the final [SEP] is kept); not padded.
   */
  public int[] encode(String text, int positions) {
    if (positions < 2) {
      throw new IllegalArgumentException("positions must be >= 2 ([CLS] and [SEP]), got " + positions);
    }
    IdList ids = new IdList();
    ids.add(cls);
    appendPieces(text, ids, positions - 1);
    ids.add(sep);
    return ids.toArray();
  }

  /**
   * Exactly {@code contextLength} ids: {@link #encode(String, int)} followed by the pad id, the
   * input of a BERT text tower.
   */
  @Override
  public int[] encodePadded(String text, int contextLength) {
    int[] ids = encode(text, contextLength);
    int[] padded = Arrays.copyOf(ids, contextLength);
    Arrays.fill(padded, ids.length, contextLength, pad);
    return padded;
  }

  /** Appends the ids of {@code text}, stopping once {@code ids} holds {@code limit}. */
  private void appendPieces(String text, IdList ids, int limit) {
    int start = 0;
    while (ids.size() < limit) {
      int[] special = nextSpecial(text, start);
      int end = special == null ? text.length() : special[0];
      for (String word : preTokenizer.split(normalizer.normalize(text.substring(start, end)))) {
        wordPiece.encode(word, ids);
        if (ids.size() >= limit) {
          break;
        }
      }
      if (special == null || ids.size() >= limit) {
        break;
      }
      ids.add(special[2]);
      start = end + special[1];
    }
    ids.truncate(Math.min(ids.size(), limit));
  }

  /** {start, length, id} of the leftmost (then longest) special token at or after {@code from}, or null. */
  private int[] nextSpecial(String text, int from) {
    int[] best = null;
    for (Map.Entry<String, Integer> special : specials.entrySet()) {
      int at = text.indexOf(special.getKey(), from);
      int length = special.getKey().length();
      if (at >= 0 && (best == null || at < best[0] || (at == best[0] && length > best[1]))) {
        best = new int[] {at, length, special.getValue()};
      }
    }
    return best;
  }
}
