package dev.mmel.model.text;

import dev.mmel.model.config.TextNormalization;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * CLIP's byte-level BPE tokenizer, with either of the two text normalisations CLIP models are
 * trained with ({@link TextNormalization}): OpenAI's ({@code simple_tokenizer.py}) or that of
 * Hugging Face's fast tokenizer for {@code openai/clip-vit-base-patch32}, which the reference
 * MMoE code uses. Both give the same ids on text that neither normalisation changes.
 *
 * <p>Text is normalised ({@link TextCleaner} for OpenAI's: ftfy fixes, HTML unescaping,
 * whitespace collapsing, lower-casing; {@link HfFastNormalizer} for Hugging Face's: NFC,
 * whitespace collapsing, lower-casing), split with CLIP's word regex, and each word is turned into
 * UTF-8 bytes, mapped to GPT-2's byte-level alphabet with {@code </w>} marking its last symbol, and
 * merged pair by pair in merge-rank order. The vocabulary is the 256 byte symbols, the same with
 * {@code </w>}, one token per merge, then {@code <|startoftext|>} (49406) and {@code <|endoftext|>}
 * (49407).
 *
 * <p>Known deviations from OpenAI's tokenizer, all in the cleaning step: ftfy's mojibake repair is
 * not implemented (such text is tokenized as written), rarely used HTML5 entity names are not
 * decoded, and character properties come from the JDK's Unicode version.
 *
 * <p>Besides the normalisation, the two differ where the word regex meets Unicode case: OpenAI
 * matches it ignoring case, so "'ſ" is the contraction 's and a U+0345 that NFC left standing
 * alone is dropped; Hugging Face matches it as written. And a literal {@code <|startoftext|>} or
 * {@code <|endoftext|>} (in any case, since both look for it in lower-cased text) becomes the
 * special id in OpenAI's only where the word regex isolates it (after a space, not after
 * punctuation), in Hugging Face's wherever it occurs.
 *
 * <p>Instances are immutable apart from a bounded per-word cache and safe to share across threads.
 */
public final class ClipTokenizer implements TextTokenizer {

  public static final int START_OF_TEXT = 49406;
  public static final int END_OF_TEXT = 49407;
  /** Padding id used by {@link #encodePadded}: the end-of-text id, as in Hugging Face's CLIP. */
  public static final int PAD = END_OF_TEXT;
  public static final int VOCAB_SIZE = 49408;
  /** The merges CLIP uses: lines 2..48,895 of its merges file (the file holds more). */
  public static final int MERGE_COUNT = 48_894;
  public static final int DEFAULT_CONTEXT_LENGTH = 50;

  private static final String START_TOKEN = "<|startoftext|>";
  private static final String END_TOKEN = "<|endoftext|>";
  private static final String END_OF_WORD = "</w>";
  private static final int END_OF_WORD_OFFSET = 256;
  private static final int FIRST_MERGE_ID = 512;
  private static final int MERGED_AWAY = -1;
  private static final int DEFAULT_CACHE_CAPACITY = 65_536;
  private static final int MAX_CACHED_WORD_LENGTH = 64;

  /** GPT-2's byte-level alphabet: the vocabulary index of each byte's printable stand-in. */
  private static final int[] BYTE_TO_ID = new int[256];
  /** Inverse of {@link #BYTE_TO_ID}. */
  private static final byte[] ID_TO_BYTE = new byte[256];
  /** The printable character GPT-2 uses for each byte, indexed by vocabulary id. */
  private static final char[] ID_TO_CHAR = new char[256];

  static {
    int id = 0;
    int[][] printable = {{'!', '~'}, {0xA1, 0xAC}, {0xAE, 0xFF}};
    boolean[] assigned = new boolean[256];
    for (int[] range : printable) {
      for (int b = range[0]; b <= range[1]; b++) {
        BYTE_TO_ID[b] = id;
        ID_TO_BYTE[id] = (byte) b;
        ID_TO_CHAR[id++] = (char) b;
        assigned[b] = true;
      }
    }
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      if (!assigned[b]) {
        BYTE_TO_ID[b] = id;
        ID_TO_BYTE[id] = (byte) b;
        ID_TO_CHAR[id++] = (char) (256 + shifted++);
      }
    }
  }

  private final TextNormalization normalization;
  private final PairRankMap ranks;
  /** The bytes each id stands for, "</w>" spelled out, as OpenAI's decoder produces them. */
  private final byte[][] tokenBytes;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();
  private final int cacheCapacity;

  private ClipTokenizer(TextNormalization normalization, PairRankMap ranks, byte[][] tokenBytes,
      int cacheCapacity) {
    this.normalization = normalization;
    this.ranks = ranks;
    this.tokenBytes = tokenBytes;
    this.cacheCapacity = cacheCapacity;
  }

  /**
   * Reads CLIP's {@code bpe_simple_vocab_16e6.txt.gz}; texts will be normalised as {@code
   * normalization} says (a model's is its config's {@code preprocessing().text()}).
   *
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be read or is not a complete gzip stream
   * @throws IllegalArgumentException if the header or any of the first 48,894 merges is missing
   *     or malformed
   */
  public static ClipTokenizer load(Path mergesFile, TextNormalization normalization)
      throws IOException {
    return load(mergesFile, normalization, DEFAULT_CACHE_CAPACITY);
  }

  /** {@link #load(Path, TextNormalization)} with a chosen bound on the number of cached words. */
  static ClipTokenizer load(Path mergesFile, TextNormalization normalization, int cacheCapacity)
      throws IOException {
    if (normalization == null) {
      throw new IllegalArgumentException("normalization is required");
    }
    if (!Files.isRegularFile(mergesFile)) {
      throw new NoSuchFileException(mergesFile.toString(), null, "CLIP BPE merges file not found");
    }
    String[] merges = new String[MERGE_COUNT];
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(mergesFile), 1 << 16), StandardCharsets.UTF_8))) {
      String header = reader.readLine();
      if (header == null || !header.contains("#version")) {
        throw new IllegalArgumentException(mergesFile + ": expected a '#version' header on line 1 of a "
            + "CLIP BPE merges file but found " + (header == null ? "an empty file" : "'" + header + "'"));
      }
      for (int i = 0; i < MERGE_COUNT; i++) {
        String line = reader.readLine();
        if (line == null) {
          throw new IllegalArgumentException(mergesFile + ": truncated: CLIP needs " + MERGE_COUNT
              + " merges after the header but the file ends after " + i);
        }
        merges[i] = line;
      }
    } catch (ZipException | EOFException e) {
      throw new IOException(mergesFile + ": not a complete gzip file (" + e.getMessage() + ")", e);
    }
    return fromMerges(mergesFile.toString(), merges, normalization, cacheCapacity);
  }

  private static ClipTokenizer fromMerges(String source, String[] merges,
      TextNormalization normalization, int cacheCapacity) {
    Map<String, Integer> ids = new HashMap<>(VOCAB_SIZE * 2);
    byte[][] tokenBytes = new byte[VOCAB_SIZE][];
    byte[] endOfWord = END_OF_WORD.getBytes(StandardCharsets.US_ASCII);
    for (int id = 0; id < 256; id++) {
      String symbol = String.valueOf(ID_TO_CHAR[id]);
      ids.put(symbol, id);
      ids.put(symbol + END_OF_WORD, id + END_OF_WORD_OFFSET);
      tokenBytes[id] = new byte[] {ID_TO_BYTE[id]};
      tokenBytes[id + END_OF_WORD_OFFSET] = concat(tokenBytes[id], endOfWord);
    }
    PairRankMap ranks = new PairRankMap(merges.length);
    for (int rank = 0; rank < merges.length; rank++) {
      String line = merges[rank];
      int space = line.indexOf(' ');
      if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
        throw new IllegalArgumentException(source + ": line " + (rank + 2)
            + ": expected two symbols separated by one space but found '" + line + "'");
      }
      String left = line.substring(0, space);
      String right = line.substring(space + 1);
      // Requiring both halves to exist already makes every merge rank exceed those of its
      // parts, which the heap-ordered merging in bpe() relies on.
      Integer leftId = ids.get(left);
      Integer rightId = ids.get(right);
      if (leftId == null || rightId == null) {
        throw new IllegalArgumentException(source + ": line " + (rank + 2) + ": '"
            + (leftId == null ? left : right) + "' is neither a byte symbol nor made by an earlier merge");
      }
      int mergedId = FIRST_MERGE_ID + rank;
      if (ids.putIfAbsent(left + right, mergedId) != null || !ranks.putIfAbsent(leftId, rightId, rank)) {
        throw new IllegalArgumentException(source + ": line " + (rank + 2) + ": '" + line
            + "' repeats a token made by an earlier merge");
      }
      tokenBytes[mergedId] = concat(tokenBytes[leftId], tokenBytes[rightId]);
    }
    tokenBytes[START_OF_TEXT] = START_TOKEN.getBytes(StandardCharsets.US_ASCII);
    tokenBytes[END_OF_TEXT] = END_TOKEN.getBytes(StandardCharsets.US_ASCII);
    return new ClipTokenizer(normalization, ranks, tokenBytes, cacheCapacity);
  }

  public TextNormalization normalization() {
    return normalization;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** {@code <|startoftext|>}, the text's tokens, {@code <|endoftext|>}; no padding or truncation. */
  public int[] encode(String text) {
    Tokens tokens = new Tokens(16, Integer.MAX_VALUE);
    tokenize(text, tokens);
    int[] out = new int[tokens.size + 2];
    out[0] = START_OF_TEXT;
    System.arraycopy(tokens.ids, 0, out, 1, tokens.size);
    out[tokens.size + 1] = END_OF_TEXT;
    return out;
  }

  /**
   * Exactly {@code contextLength} ids: {@code <|startoftext|>}, at most {@code contextLength - 2}
   * tokens (the rest are dropped), {@code <|endoftext|>}, then {@link #PAD} up to the length.
   */
  @Override
  public int[] encodePadded(String text, int contextLength) {
    if (contextLength < 2) {
      throw new IllegalArgumentException("contextLength must leave room for the start and end ids: " + contextLength);
    }
    Tokens tokens = new Tokens(Math.min(contextLength - 2, 64), contextLength - 2);
    tokenize(text, tokens);
    int[] out = new int[contextLength];
    Arrays.fill(out, PAD);
    out[0] = START_OF_TEXT;
    System.arraycopy(tokens.ids, 0, out, 1, tokens.size);
    out[tokens.size + 1] = END_OF_TEXT;
    return out;
  }

  /**
   * The text the ids spell, for debugging: OpenAI's decoding (bytes back to UTF-8, {@code </w>}
   * to a space) without the start, end and padding ids and without the trailing space.
   *
   * @throws IllegalArgumentException for an id outside the vocabulary
   */
  public String decode(int[] ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
    for (int id : ids) {
      if (id < 0 || id >= VOCAB_SIZE) {
        throw new IllegalArgumentException("not a CLIP token id: " + id);
      }
      if (id != START_OF_TEXT && id != END_OF_TEXT) {
        bytes.writeBytes(tokenBytes[id]);
      }
    }
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8).replace(END_OF_WORD, " ").stripTrailing();
  }

  private void tokenize(String text, Tokens tokens) {
    if (normalization == TextNormalization.OPENAI_FTFY) {
      addWords(TextCleaner.clean(text), 0, Integer.MAX_VALUE, true, tokens);
      return;
    }
    // Hugging Face extracts the special tokens (added as "normalized") from the normalised text
    // first, wherever they stand, and splits only the pieces between them into words.
    String normalized = HfFastNormalizer.normalize(text);
    int i = 0;
    while (!tokens.isFull()) {
      int special = normalized.indexOf("<|", i);
      while (special >= 0 && specialTokenAt(normalized, special) == null) {
        special = normalized.indexOf("<|", special + 2);
      }
      addWords(normalized, i, special < 0 ? normalized.length() : special, false, tokens);
      if (special < 0) {
        return;
      }
      String token = specialTokenAt(normalized, special);
      tokens.addAll(new int[] {token.equals(START_TOKEN) ? START_OF_TEXT : END_OF_TEXT});
      i = special + token.length();
    }
  }

  private static String specialTokenAt(String text, int index) {
    return text.startsWith(START_TOKEN, index) ? START_TOKEN
        : text.startsWith(END_TOKEN, index) ? END_TOKEN : null;
  }

  /** The tokens of the words of {@code text[start, end)}, split as OpenAI or Hugging Face do. */
  private void addWords(String text, int start, int end, boolean openAi, Tokens tokens) {
    String piece = start == 0 && end >= text.length() ? text : text.substring(start, end);
    int i = 0;
    while (i < piece.length() && !tokens.isFull()) {
      int wordEnd = wordEnd(piece, i, openAi);
      if (wordEnd < 0) {
        i += Character.charCount(piece.codePointAt(i));
      } else {
        tokens.addAll(wordTokens(piece.substring(i, wordEnd)));
        i = wordEnd;
      }
    }
  }

  /**
   * Where the word starting at {@code start} ends, or -1 if none starts there: a hand-written
   * equivalent of finding CLIP's word regex
   * {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
   * at {@code start}, the first alternative that matches winning. With {@code openAi}, as OpenAI's
   * {@code regex.IGNORECASE} evaluates it: the literal alternatives are case-insensitive (so
   * "'ſ" counts as "'s"), and U+0345 COMBINING GREEK YPOGEGRAMMENI, whose case fold is the letter
   * ι, escapes both the letter and the non-letter classes and so belongs to no word. Without it,
   * as Hugging Face's case-sensitive copy of the regex, which lacks the two special tokens
   * (extracted before), evaluates it. \s is White_Space.
   */
  private static int wordEnd(String text, int start, boolean openAi) {
    char c = text.charAt(start);
    if (c == '<' && openAi) {
      if (startsWithIgnoreCase(text, start, START_TOKEN)) {
        return start + START_TOKEN.length();
      }
      if (startsWithIgnoreCase(text, start, END_TOKEN)) {
        return start + END_TOKEN.length();
      }
    } else if (c == '\'') {
      int contraction = contractionEnd(text, start, openAi);
      if (contraction > 0) {
        return contraction;
      }
    }
    int cp = text.codePointAt(start);
    int end = start + Character.charCount(cp);
    if (Character.isLetter(cp)) {
      while (end < text.length() && Character.isLetter(cp = text.codePointAt(end))) {
        end += Character.charCount(cp);
      }
      return end;
    }
    if (isNumber(cp)) {
      return end;
    }
    if (isOutsideWords(cp, openAi)) {
      return -1;
    }
    while (end < text.length()) {
      cp = text.codePointAt(end);
      if (Character.isLetter(cp) || isNumber(cp) || isOutsideWords(cp, openAi)) {
        break;
      }
      end += Character.charCount(cp);
    }
    return end;
  }

  private static boolean isNumber(int cp) {
    int type = Character.getType(cp);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
        || type == Character.OTHER_NUMBER;
  }

  private static boolean isOutsideWords(int cp, boolean openAi) {
    return (openAi && cp == '\u0345') || (cp <= 0xFFFF && TextCleaner.isWhitespace((char) cp));
  }

  /** 's, 't, 're, 've, 'm, 'll, 'd in that order of preference; OpenAI's ignoring case. */
  private static int contractionEnd(String text, int start, boolean openAi) {
    if (start + 1 >= text.length()) {
      return -1;
    }
    char first = text.charAt(start + 1);
    if (same(first, 's', openAi) || same(first, 't', openAi) || same(first, 'm', openAi)
        || same(first, 'd', openAi)) {
      return start + 2;
    }
    if (start + 2 >= text.length()) {
      return -1;
    }
    char second = text.charAt(start + 2);
    boolean twoLetters = (same(first, 'r', openAi) || same(first, 'v', openAi)) && same(second, 'e', openAi)
        || same(first, 'l', openAi) && same(second, 'l', openAi);
    return twoLetters ? start + 3 : -1;
  }

  private static boolean same(char c, char ascii, boolean ignoringCase) {
    return ignoringCase ? sameIgnoringCase(c, ascii) : c == ascii;
  }

  private static boolean startsWithIgnoreCase(String text, int start, String literal) {
    if (start + literal.length() > text.length()) {
      return false;
    }
    for (int k = 0; k < literal.length(); k++) {
      if (!sameIgnoringCase(text.charAt(start + k), literal.charAt(k))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Simple case folding against an ASCII character: its other case, and for 's' also
   * U+017F LATIN SMALL LETTER LONG S, the only non-ASCII character folding to a letter used here.
   */
  private static boolean sameIgnoringCase(char c, char ascii) {
    return c == ascii || (Character.isLetter(ascii) && (c ^ 0x20) == ascii) || (ascii == 's' && c == '\u017F');
  }

  private int[] wordTokens(String word) {
    int[] ids = cache.get(word);
    if (ids == null) {
      ids = bpe(word);
      // Long words are rare, and caching them would let a cache bounded by count grow huge in bytes.
      if (word.length() <= MAX_CACHED_WORD_LENGTH) {
        // Clearing beats LRU bookkeeping here: common words come straight back.
        if (cache.size() >= cacheCapacity) {
          cache.clear();
        }
        cache.put(word, ids);
      }
    }
    return ids;
  }

  /**
   * CLIP's {@code bpe()}: repeatedly merge the adjacent pair with the lowest rank, every
   * occurrence left to right. A heap ordered by (rank, position) visits merges in exactly that
   * order, because a merge only creates pairs of higher rank; entries made stale by an earlier
   * merge are skipped when popped.
   */
  private int[] bpe(String word) {
    if (word.equals(START_TOKEN)) {
      return new int[] {START_OF_TEXT};
    }
    if (word.equals(END_TOKEN)) {
      return new int[] {END_OF_TEXT};
    }
    byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    int[] symbols = new int[n];
    for (int i = 0; i < n; i++) {
      symbols[i] = BYTE_TO_ID[bytes[i] & 0xFF];
    }
    symbols[n - 1] += END_OF_WORD_OFFSET;
    if (n == 1) {
      return symbols;
    }
    int[] next = new int[n];
    int[] prev = new int[n];
    long[] heap = new long[3 * n];
    int heapSize = 0;
    for (int i = 0; i < n; i++) {
      next[i] = i + 1;
      prev[i] = i - 1;
      if (i + 1 < n) {
        heapSize = push(heap, heapSize, ranks.rank(symbols[i], symbols[i + 1]), i);
      }
    }
    int remaining = n;
    while (heapSize > 0) {
      long top = heap[0];
      heapSize = pop(heap, heapSize);
      int i = (int) top;
      int rank = (int) (top >>> 32);
      int j = next[i];
      if (symbols[i] == MERGED_AWAY || j >= n || ranks.rank(symbols[i], symbols[j]) != rank) {
        continue;
      }
      symbols[i] = FIRST_MERGE_ID + rank;
      symbols[j] = MERGED_AWAY;
      next[i] = next[j];
      remaining--;
      if (next[i] < n) {
        prev[next[i]] = i;
        heapSize = push(heap, heapSize, ranks.rank(symbols[i], symbols[next[i]]), i);
      }
      if (prev[i] >= 0) {
        heapSize = push(heap, heapSize, ranks.rank(symbols[prev[i]], symbols[i]), prev[i]);
      }
    }
    int[] out = new int[remaining];
    for (int i = 0, k = 0; i < n; i = next[i]) {
      out[k++] = symbols[i];
    }
    return out;
  }

  /** Adds (rank, position) to the min-heap unless the pair has no rank; returns the new size. */
  private static int push(long[] heap, int size, int rank, int position) {
    if (rank == PairRankMap.ABSENT) {
      return size;
    }
    long entry = ((long) rank << 32) | position;
    int i = size;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (heap[parent] <= entry) {
        break;
      }
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
    return size + 1;
  }

  /** Removes the heap's minimum; returns the new size. */
  private static int pop(long[] heap, int size) {
    int last = size - 1;
    long entry = heap[last];
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= last) {
        break;
      }
      if (child + 1 < last && heap[child + 1] < heap[child]) {
        child++;
      }
      if (heap[child] >= entry) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = entry;
    return last;
  }

  /** Token ids collected for one text, capped at {@code limit}. */
  private static final class Tokens {
    private int[] ids;
    private int size;
    private final int limit;

    Tokens(int initialCapacity, int limit) {
      this.ids = new int[Math.max(initialCapacity, 1)];
      this.limit = limit;
    }

    boolean isFull() {
      return size >= limit;
    }

    void addAll(int[] more) {
      int count = Math.min(more.length, limit - size);
      if (size + count > ids.length) {
        ids = Arrays.copyOf(ids, Math.max(size + count, ids.length * 2));
      }
      System.arraycopy(more, 0, ids, size, count);
      size += count;
    }
  }
}
