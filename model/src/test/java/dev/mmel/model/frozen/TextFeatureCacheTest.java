package dev.mmel.model.frozen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.core.Float16;
import dev.mmel.core.ProgressListener;
import dev.mmel.model.bge.BgeFeatures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFeatureCacheTest {
  private static final int WIDTH = 4;
  private static final int POSITIONS = 3;

  @TempDir
  Path root;

  /** Features of these texts made up from their hash, so the same text gets the same values. */
  private static BgeFeatures encode(List<String> texts) {
    float[] pooled = new float[texts.size() * WIDTH];
    float[] tokens = new float[texts.size() * POSITIONS * WIDTH];
    for (int i = 0; i < texts.size(); i++) {
      Random random = new Random(texts.get(i).hashCode());
      for (int j = 0; j < WIDTH; j++) {
        pooled[i * WIDTH + j] = (float) random.nextGaussian();
      }
      for (int j = 0; j < POSITIONS * WIDTH; j++) {
        tokens[i * POSITIONS * WIDTH + j] = (float) (5 * random.nextGaussian());
      }
    }
    return new BgeFeatures(texts.size(), POSITIONS, WIDTH, pooled, tokens);
  }

  private static float[] halves(float[] values) {
    float[] rounded = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      rounded[i] = Float16.halfToFloat(Float16.floatToHalf(values[i]));
    }
    return rounded;
  }

  @Test
  void aNewCacheStoresHalvesAtHalfTheSize() throws IOException {
    List<String> texts = List.of("Stefanie Powers", "Noel Harrison", "Powers");
    TextFeatureCache cache = TextFeatureCache.open(root, "bge", WIDTH, POSITIONS, false);
    cache.fill(texts, TextFeatureCacheTest::encode, ProgressListener.NONE);

    Path dir = cache.directory();
    assertEquals("float16 (cache format 2)", cache.describeFormat());
    assertTrue(Files.readString(dir.resolve("format.json")).contains("\"version\":2"));
    assertEquals(3L * 2 * WIDTH * (1 + POSITIONS), Files.size(dir.resolve("features.f16")));
    BgeFeatures expected = encode(texts);
    BgeFeatures read = TextFeatureCache.open(root, "bge", WIDTH, POSITIONS, false).read(texts);
    assertArrayEquals(halves(expected.pooled()), read.pooled());
    assertArrayEquals(halves(expected.tokens()), read.tokens());
    assertArrayEquals(halves(expected.pooled()), cache.readPooled(texts));
    for (int i = 0; i < read.tokens().length; i++) {
      float value = expected.tokens()[i];
      assertEquals(value, read.tokens()[i], Math.abs(value) / 2048 + 1e-7f, "relative 2^-11");
    }
  }

  @Test
  void anExactCacheKeepsFloat32AndSaysSoWhateverItIsReopenedAs() throws IOException {
    List<String> texts = List.of("Stefanie Powers", "Noel Harrison");
    TextFeatureCache cache = TextFeatureCache.open(root, "tower", WIDTH, POSITIONS, true);
    cache.fill(texts, TextFeatureCacheTest::encode, ProgressListener.NONE);

    Path dir = cache.directory();
    assertEquals("float32 (cache format 1)", cache.describeFormat());
    assertTrue(Files.readString(dir.resolve("format.json")).contains("\"version\":1"));
    TextFeatureCache reopened = TextFeatureCache.open(root, "tower", WIDTH, POSITIONS, false);
    assertEquals("float32 (cache format 1)", reopened.describeFormat());
    assertArrayEquals(encode(texts).tokens(), reopened.read(texts).tokens(), "bit for bit");
    assertArrayEquals(encode(texts).pooled(), reopened.readPooled(texts), "bit for bit");
  }

  @Test
  void aFloat32CacheOfEarlierBuildsIsStillReadAndExtended() throws Exception {
    Path dir = root.resolve("bge-L" + POSITIONS);
    Files.createDirectories(dir);
    List<String> old = List.of("written by an earlier build");
    BgeFeatures features = encode(old);
    ByteBuffer row = ByteBuffer.allocate(4 * WIDTH * (1 + POSITIONS))
        .order(ByteOrder.LITTLE_ENDIAN);
    for (float v : features.pooled()) {
      row.putFloat(v);
    }
    for (float v : features.tokens()) {
      row.putFloat(v);
    }
    Files.write(dir.resolve("features.f32"), row.array());
    Files.writeString(dir.resolve("index.txt"), sha256(old.get(0)) + "\n");

    TextFeatureCache cache = TextFeatureCache.open(root, "bge", WIDTH, POSITIONS, false);
    assertEquals("float32 (cache format 1)", cache.describeFormat());
    assertArrayEquals(features.tokens(), cache.read(old).tokens(), "float32 exactly");
    cache.fill(List.of("new text"), TextFeatureCacheTest::encode, ProgressListener.NONE);
    assertArrayEquals(encode(List.of("new text")).tokens(),
        cache.read(List.of("new text")).tokens(), "extended as float32");
    assertEquals(2L * 4 * WIDTH * (1 + POSITIONS), Files.size(dir.resolve("features.f32")));
    assertTrue(!Files.exists(dir.resolve("format.json")));
  }

  @Test
  void anUnknownFormatOrAValueBeyondHalfRangeIsRefused() throws IOException {
    Path dir = root.resolve("bge-L" + POSITIONS);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("format.json"), "{\"version\": 3}");
    IOException newer = assertThrows(IOException.class,
        () -> TextFeatureCache.open(root, "bge", WIDTH, POSITIONS, false));
    assertTrue(newer.getMessage().contains("cache format version 3, which this build does not "
        + "know"), newer.getMessage());

    TextFeatureCache cache = TextFeatureCache.open(root, "other", WIDTH, POSITIONS, false);
    BgeFeatures huge = new BgeFeatures(1, POSITIONS, WIDTH, new float[WIDTH],
        new float[] {1e5f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> cache.fill(List.of("x"), texts -> huge, ProgressListener.NONE));
    assertTrue(e.getMessage().contains("does not fit a binary16 cache"), e.getMessage());
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
