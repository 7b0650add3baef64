package dev.mmel.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RerankFeaturesTest {
  private static final IndexSchema SCHEMA = new IndexSchema(8, 3, 4, 2);

  private static float[] gaussian(Random random, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (scale * random.nextGaussian());
    }
    return v;
  }

  private static RerankFeatures random(Random random, double scale) {
    int d = SCHEMA.hiddenDim();
    return new RerankFeatures(gaussian(random, d, scale),
        gaussian(random, SCHEMA.textPositions() * d, scale), gaussian(random, d, scale),
        gaussian(random, SCHEMA.imagePositions() * d, scale));
  }

  @Test
  void encodesTwoBytesPerFloat() {
    assertEquals(2 * 3 + (4 + 2) * 3, SCHEMA.rerankFloats());
    assertEquals(2 * SCHEMA.rerankFloats(), random(new Random(1), 1).toFp16().length);
    IndexSchema real = new IndexSchema(800, 96, 50, 50);
    assertEquals(9_792, real.rerankFloats());
  }

  @Test
  void roundTripsWithinHalfPrecision() {
    Random random = new Random(2);
    for (double scale : new double[] {1e-3, 1, 100}) {
      RerankFeatures features = random(random, scale);
      RerankFeatures back = RerankFeatures.fromFp16(features.toFp16(), SCHEMA);
      assertClose(features.textC(), back.textC());
      assertClose(features.textQuery(), back.textQuery());
      assertClose(features.imageC(), back.imageC());
      assertClose(features.imageQuery(), back.imageQuery());
    }
  }

  @Test
  void valuesAHalfHoldsSurviveExactlyInLittleEndianOrder() {
    int d = SCHEMA.hiddenDim();
    float[] textC = {1f, -2f, 0.5f};
    float[] textQuery = new float[SCHEMA.textPositions() * d];
    float[] imageC = {0f, -0f, 65504f};
    float[] imageQuery = new float[SCHEMA.imagePositions() * d];
    textQuery[0] = 1024f;
    imageQuery[imageQuery.length - 1] = 0x1p-24f;
    byte[] bytes = new RerankFeatures(textC, textQuery, imageC, imageQuery).toFp16();
    assertEquals(0x00, bytes[0] & 0xFF, "1.0 is 0x3C00, low byte first");
    assertEquals(0x3C, bytes[1] & 0xFF);
    RerankFeatures back = RerankFeatures.fromFp16(bytes, SCHEMA);
    assertArrayEquals(textC, back.textC());
    assertArrayEquals(textQuery, back.textQuery());
    assertArrayEquals(imageC, back.imageC());
    assertArrayEquals(imageQuery, back.imageQuery());
  }

  @Test
  void featuresAreReadFromASliceOfALargerBuffer() {
    RerankFeatures features = random(new Random(4), 1);
    byte[] fp16 = features.toFp16();
    byte[] padded = new byte[fp16.length + 7];
    System.arraycopy(fp16, 0, padded, 3, fp16.length);
    padded[2] = (byte) 0x7C;
    padded[padded.length - 1] = (byte) 0x7C;
    RerankFeatures whole = RerankFeatures.fromFp16(fp16, SCHEMA);
    RerankFeatures slice = RerankFeatures.fromFp16(padded, 3, fp16.length, SCHEMA);
    assertArrayEquals(whole.textC(), slice.textC());
    assertArrayEquals(whole.textQuery(), slice.textQuery());
    assertArrayEquals(whole.imageC(), slice.imageC());
    assertArrayEquals(whole.imageQuery(), slice.imageQuery());
  }

  @Test
  void bytesOfAnotherSchemaAreRejected() {
    byte[] bytes = random(new Random(3), 1).toFp16();
    IndexSchema other = new IndexSchema(8, 3, 5, 2);
    String message = assertThrows(IllegalArgumentException.class,
        () -> RerankFeatures.fromFp16(bytes, other)).getMessage();
    assertTrue(message.contains("hold 48 bytes") && message.contains("needs 54"), message);
  }

  /** Half floats keep 11 significant bits: a relative error of at most 2^-11 when normal. */
  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      float tolerance = Math.max(Math.abs(expected[i]) * 0x1p-11f, 0x1p-25f);
      assertEquals(expected[i], actual[i], tolerance, "at " + i);
    }
  }
}
