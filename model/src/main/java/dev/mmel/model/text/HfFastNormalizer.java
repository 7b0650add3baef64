package dev.mmel.model.text;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The normaliser of Hugging Face's fast CLIP tokenizer ({@code CLIPTokenizerFast}, as
 * transformers' {@code CLIPConverter} builds it): NFC, every run of whitespace replaced by one
 * space, then lower case. Unlike OpenAI's tokenizer ({@link TextCleaner}) it fixes nothing else:
 * curly quotes, HTML references, ligatures and full-width forms reach the BPE as written.
 *
 * <p>Leading and trailing whitespace is dropped as well; Hugging Face keeps one space there, which
 * no word ever contains, so the tokens are the same. Lower case is taken one character at a time,
 * as Rust's {@code char::to_lowercase} does: a capital sigma is always σ, never the final ς.
 */
final class HfFastNormalizer {
  private HfFastNormalizer() {}

  static String normalize(String text) {
    String composed = Normalizer.isNormalized(text, Normalizer.Form.NFC)
        ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
    return lower(TextCleaner.collapseWhitespace(composed));
  }

  /** Per-character lower case; with sigma fixed first, Java's root-locale mapping is the rest. */
  static String lower(String text) {
    return text.replace('\u03A3', '\u03C3').toLowerCase(Locale.ROOT);
  }
}
