package dev.mmel.model.frozen;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.bge.BgeFeatures;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A frozen text backbone's features (pooled [T] + token states [L,T]) computed once per
 * distinct text and kept on disk, so training epochs and evaluations read instead of re-encode.
 * Rows are appended to the data file ({@code features.f32} or {@code features.f16}; see
 * {@link CacheFormat}) and their text digests to {@code index.txt} after the rows are durable, so
 * an interrupted fill resumes where it stopped. The directory is keyed by the backbone's weights
 * id and L: other weights or lengths never share a cache.
 */
public final class TextFeatureCache {
  private static final int ENCODE_BATCH = 32;

  private final Path directory;
  private final int width;
  private final int positions;
  private final Map<String, Long> rows = new HashMap<>();
  private final CacheFormat format;
  private final Path dataFile;
  private final long rowBytes;

  private TextFeatureCache(Path directory, int width, int positions, CacheFormat format) {
    this.directory = directory;
    this.width = width;
    this.positions = positions;
    this.format = format;
    this.dataFile = directory.resolve(format.dataFile());
    this.rowBytes = (long) format.bytesPerValue() * width * (1 + positions);
  }

  /**
   * Opens (or creates) the cache of these weights at L = {@code positions}; a new cache stores
   * float32 when {@code exact}, else binary16 (see {@link CacheFormat}).
   */
  public static TextFeatureCache open(Path root, String backboneId, int width, int positions,
      boolean exact) throws IOException {
    String safe = backboneId.replaceAll("[^A-Za-z0-9._-]", "_");
    Path directory = root.resolve(safe + "-L" + positions);
    Files.createDirectories(directory);
    TextFeatureCache cache =
        new TextFeatureCache(directory, width, positions, CacheFormat.of(directory,
            exact ? CacheFormat.FLOAT32 : CacheFormat.FLOAT16));
    cache.loadIndex();
    return cache;
  }

  public Path directory() {
    return directory;
  }

  public int size() {
    return rows.size();
  }

  /** How it stores values, e.g. "float16 (cache format 2)". */
  public String describeFormat() {
    return format.name().toLowerCase(java.util.Locale.ROOT) + " (cache format "
        + format.version() + ")";
  }

  private void loadIndex() throws IOException {
    Path index = directory.resolve("index.txt");
    Path data = dataFile;
    if (!Files.exists(index)) {
      Files.deleteIfExists(data);
      return;
    }
    List<String> keys = Files.readAllLines(index, StandardCharsets.UTF_8);
    long complete = Files.exists(data) ? Files.size(data) / rowBytes : 0;
    if (complete < keys.size()) {
      throw new IOException(directory + ": index lists " + keys.size() + " rows but "
          + data.getFileName() + " holds " + complete
          + "; delete the directory to rebuild the cache");
    }
    for (String key : keys) {
      rows.put(key, (long) rows.size());
    }
    // Rows written after the last index flush are unreferenced; drop them so appends line up.
    try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
      channel.truncate(rows.size() * rowBytes);
    }
  }

  /** Encodes and appends every text not yet cached. */
  public void fill(List<String> texts, Function<List<String>, BgeFeatures> encoder,
      ProgressListener progress) throws IOException {
    Set<String> missing = new LinkedHashSet<>();
    Map<String, String> byKey = new HashMap<>();
    for (String text : texts) {
      String key = key(text);
      if (!rows.containsKey(key) && byKey.putIfAbsent(key, text) == null) {
        missing.add(key);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    List<String> pending = new ArrayList<>(missing);
    try (FileChannel data = FileChannel.open(dataFile,
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        BufferedWriter index = Files.newBufferedWriter(directory.resolve("index.txt"),
            StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (int start = 0; start < pending.size(); start += ENCODE_BATCH) {
        List<String> keys = pending.subList(start, Math.min(pending.size(), start + ENCODE_BATCH));
        List<String> batch = keys.stream().map(byKey::get).toList();
        BgeFeatures features = encoder.apply(batch);
        if (features.width() != width || features.positions() != positions) {
          throw new IllegalStateException("the encoder gives [" + features.positions() + ", "
              + features.width() + "] features, the cache holds [" + positions + ", " + width
              + "]");
        }
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(rowBytes * keys.size()))
            .order(ByteOrder.LITTLE_ENDIAN);
        int tokenWidth = positions * width;
        for (int i = 0; i < keys.size(); i++) {
          format.put(buffer, features.pooled(), i * width, width);
          format.put(buffer, features.tokens(), i * tokenWidth, tokenWidth);
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
          data.write(buffer);
        }
        data.force(false);
        for (String key : keys) {
          index.write(key);
          index.newLine();
          rows.put(key, (long) rows.size());
        }
        index.flush();
        progress.count(Math.min(pending.size(), start + ENCODE_BATCH), pending.size(), "texts");
      }
    }
  }

  /** The cached features of these texts, in order. */
  public BgeFeatures read(List<String> texts) throws IOException {
    int n = texts.size();
    float[] pooled = new float[n * width];
    float[] tokens = new float[n * positions * width];
    ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(rowBytes))
        .order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel data = FileChannel.open(dataFile, StandardOpenOption.READ)) {
      for (int i = 0; i < n; i++) {
        Long row = rows.get(key(texts.get(i)));
        if (row == null) {
          throw new IllegalStateException("text not in the feature cache " + directory
              + " (fill it first): " + texts.get(i));
        }
        buffer.clear();
        long position = row * rowBytes;
        while (buffer.hasRemaining()) {
          if (data.read(buffer, position + buffer.position()) < 0) {
            throw new IOException(dataFile + " ends inside row " + row);
          }
        }
        buffer.flip();
        format.get(buffer, pooled, i * width, width);
        format.get(buffer, tokens, i * positions * width, positions * width);
      }
    }
    return new BgeFeatures(n, positions, width, pooled, tokens);
  }

  /** Only the pooled vectors of these texts, [n * width], in order. */
  public float[] readPooled(List<String> texts) throws IOException {
    float[] pooled = new float[texts.size() * width];
    ByteBuffer buffer = ByteBuffer.allocate(format.bytesPerValue() * width)
        .order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel data = FileChannel.open(dataFile, StandardOpenOption.READ)) {
      for (int i = 0; i < texts.size(); i++) {
        Long row = rows.get(key(texts.get(i)));
        if (row == null) {
          throw new IllegalStateException("text not in the feature cache " + directory
              + " (fill it first): " + texts.get(i));
        }
        buffer.clear();
        while (buffer.hasRemaining()) {
          if (data.read(buffer, row * rowBytes + buffer.position()) < 0) {
            throw new IOException(dataFile + " ends inside row " + row);
          }
        }
        buffer.flip();
        format.get(buffer, pooled, i * width, width);
      }
    }
    return pooled;
  }

  private static String key(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
