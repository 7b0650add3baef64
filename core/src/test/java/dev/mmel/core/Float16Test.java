package dev.mmel.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class Float16Test {

  @Test
  void halfBitPatternsWidenToKnownValues() {
    assertEquals(1.0f, Float16.halfToFloat((short) 0x3C00));
    assertEquals(-2.0f, Float16.halfToFloat((short) 0xC000));
    assertEquals(65504.0f, Float16.halfToFloat((short) 0x7BFF));
    assertEquals(0x1p-24f, Float16.halfToFloat((short) 0x0001));
    assertEquals(1023 * 0x1p-24f, Float16.halfToFloat((short) 0x03FF));
    assertEquals(0x1p-14f, Float16.halfToFloat((short) 0x0400));
    assertEquals(0x1.554p-2f, Float16.halfToFloat((short) 0x3555));
    assertEquals(Float.POSITIVE_INFINITY, Float16.halfToFloat((short) 0x7C00));
    assertEquals(Float.NEGATIVE_INFINITY, Float16.halfToFloat((short) 0xFC00));
    assertTrue(Float.isNaN(Float16.halfToFloat((short) 0x7E00)));
    assertTrue(Float.isNaN(Float16.halfToFloat((short) 0xFC01)));
    assertEquals(0x80000000, Float.floatToRawIntBits(Float16.halfToFloat((short) 0x8000)));
    assertEquals(0, Float.floatToRawIntBits(Float16.halfToFloat((short) 0x0000)));
  }

  @Test
  void floatsNarrowToKnownHalfBitPatterns() {
    assertHalf(0x3C00, 1.0f);
    assertHalf(0x7BFF, 65504.0f);
    assertHalf(0x7BFF, 65519.996f);
    assertHalf(0x7C00, 65520.0f);
    assertHalf(0x7C00, 1e6f);
    assertHalf(0xFC00, Float.NEGATIVE_INFINITY);
    assertHalf(0xFC00, -Float.MAX_VALUE);
    assertHalf(0x0001, 0x1p-24f);
    assertHalf(0x8000, -0.0f);
    assertHalf(0x0000, Float.MIN_VALUE);
    assertHalf(0x0000, 0x1p-25f);
    assertHalf(0x0001, Math.nextUp(0x1p-25f));
    assertHalf(0x0002, 3 * 0x1p-25f);
    assertHalf(0x3C00, 1 + 0x1p-11f);
    assertHalf(0x3C02, 1 + 3 * 0x1p-11f);
    assertHalf(0x0400, 1023.5f * 0x1p-24f);
    assertTrue(Float.isNaN(Float16.halfToFloat(Float16.floatToHalf(Float.NaN))));
    // A payload only in bits a half cannot hold must still come out as NaN, not infinity.
    assertTrue(Float.isNaN(Float16.halfToFloat(Float16.floatToHalf(Float.intBitsToFloat(0x7F800001)))));
  }

  @Test
  void everyHalfSurvivesARoundTripThroughFloatBitForBit() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      float widened = Float16.halfToFloat((short) bits);
      int back = Float16.floatToHalf(widened) & 0xFFFF;
      if (back != bits) {
        fail(String.format("half 0x%04X -> %s -> 0x%04X", bits, widened, back));
      }
    }
  }

  @Test
  void everyFiniteHalfWidensToItsMathematicalValue() {
    for (int pattern = 0; pattern <= 0xFFFF; pattern++) {
      int bits = pattern;
      int exponent = (bits >>> 10) & 0x1F;
      if (exponent == 0x1F) {
        continue;
      }
      int fraction = bits & 0x3FF;
      double magnitude = exponent == 0
          ? Math.scalb((double) fraction, -24)
          : Math.scalb(1 + fraction / 1024.0, exponent - 15);
      double expected = (bits & 0x8000) != 0 ? -magnitude : magnitude;
      assertEquals(expected, Float16.halfToFloat((short) bits), 0.0, () -> Integer.toHexString(bits));
    }
  }

  @Test
  void valuesBetweenAdjacentHalvesRoundToNearestWithTiesToEven() {
    for (int low = 0; low < 0x7BFF; low++) {
      int high = low + 1;
      float lowValue = Float16.halfToFloat((short) low);
      float midpoint = (lowValue + Float16.halfToFloat((short) high)) / 2;
      int even = (low & 1) == 0 ? low : high;
      for (int sign : new int[] {0, 0x8000}) {
        float s = sign == 0 ? 1 : -1;
        assertHalf(sign | even, s * midpoint);
        assertHalf(sign | low, s * Math.nextDown(midpoint));
        assertHalf(sign | high, s * Math.nextUp(midpoint));
      }
    }
    assertHalf(0x7C00, 65520.0f);
    assertHalf(0x7BFF, Math.nextDown(65520.0f));
  }

  @Test
  void randomFloatsNarrowToTheNearestHalf() {
    SplittableRandom random = new SplittableRandom(16);
    for (int i = 0; i < 300_000; i++) {
      // Exponents from well below the subnormals to past the overflow threshold, all fractions.
      int exponent = 127 + random.nextInt(-27, 18);
      float value = Float.intBitsToFloat(random.nextInt() & 0x807FFFFF | exponent << 23);
      int half = Float16.floatToHalf(value) & 0xFFFF;
      assertNearest(value, half, 0x7C00, 65536.0, h -> Float16.halfToFloat((short) h), "half");
    }
  }

  @Test
  void bfloat16BitPatternsWidenToKnownValues() {
    assertEquals(1.0f, Float16.bfloat16ToFloat((short) 0x3F80));
    assertEquals(-5.0f, Float16.bfloat16ToFloat((short) 0xC0A0));
    assertEquals(0x1.FEp127f, Float16.bfloat16ToFloat((short) 0x7F7F));
    assertEquals(0x1p-133f, Float16.bfloat16ToFloat((short) 0x0001));
    assertEquals(Float.POSITIVE_INFINITY, Float16.bfloat16ToFloat((short) 0x7F80));
    assertEquals(Float.NEGATIVE_INFINITY, Float16.bfloat16ToFloat((short) 0xFF80));
    assertTrue(Float.isNaN(Float16.bfloat16ToFloat((short) 0x7FC0)));
  }

  @Test
  void floatsNarrowToKnownBfloat16BitPatterns() {
    assertBfloat16(0x3F80, 1.0f);
    assertBfloat16(0x3F80, Float.intBitsToFloat(0x3F808000));
    assertBfloat16(0x3F82, Float.intBitsToFloat(0x3F818000));
    assertBfloat16(0x3F81, Float.intBitsToFloat(0x3F808001));
    assertBfloat16(0x7F80, Float.MAX_VALUE);
    assertBfloat16(0x7F7F, Float.intBitsToFloat(0x7F7F7FFF));
    assertBfloat16(0xFF80, Float.NEGATIVE_INFINITY);
    assertBfloat16(0x8000, -0.0f);
    assertBfloat16(0x0000, Float.intBitsToFloat(0x00008000));
    assertBfloat16(0x0001, Float.intBitsToFloat(0x00008001));
    assertBfloat16(0x7FC0, Float.intBitsToFloat(0x7FC00000));
    assertBfloat16(0x7FC0, Float.intBitsToFloat(0x7F800001));
  }

  @Test
  void everyBfloat16SurvivesARoundTripThroughFloatBitForBit() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      int back = Float16.floatToBfloat16(Float16.bfloat16ToFloat((short) bits)) & 0xFFFF;
      if (back != bits) {
        fail(String.format("bfloat16 0x%04X came back as 0x%04X", bits, back));
      }
    }
  }

  @Test
  void randomFloatsNarrowToTheNearestBfloat16() {
    SplittableRandom random = new SplittableRandom(16);
    for (int i = 0; i < 1_000_000; i++) {
      float value = Float.intBitsToFloat(random.nextInt());
      if (Float.isNaN(value)) {
        continue;
      }
      int bfloat16 = Float16.floatToBfloat16(value) & 0xFFFF;
      assertNearest(value, bfloat16, 0x7F80, Math.scalb(1.0, 128),
          b -> Float16.bfloat16ToFloat((short) b), "bfloat16");
    }
  }

  /**
   * Checks that {@code bits} is the pattern nearest to {@code value}, ties going to the even pattern. As IEEE
   * rounding does, infinity stands for the first value past the largest finite one ({@code overflow}).
   */
  private static void assertNearest(float value, int bits, int infinityBits, double overflow,
                   IntToDoubleFunction widen, String format) {
    double target = Math.abs((double) value);
    int magnitude = bits & 0x7FFF;
    double chosen = magnitude == infinityBits ? overflow : widen.applyAsDouble(magnitude);
    double distance = Math.abs(target - chosen);
    boolean nearest = true;
    if (magnitude > 0) {
      nearest = isCloser(distance, Math.abs(target - widen.applyAsDouble(magnitude - 1)), magnitude);
    }
    if (magnitude < infinityBits) {
      double above = magnitude + 1 == infinityBits ? overflow : widen.applyAsDouble(magnitude + 1);
      nearest &= isCloser(distance, Math.abs(target - above), magnitude);
    }
    if (!nearest || (bits & 0x8000) != (Float.floatToRawIntBits(value) >>> 16 & 0x8000)) {
      fail(String.format("%s (0x%08X) became %s 0x%04X", value, Float.floatToRawIntBits(value), format, bits));
    }
  }

  private static boolean isCloser(double distance, double otherDistance, int magnitude) {
    return distance < otherDistance || (distance == otherDistance && (magnitude & 1) == 0);
  }

  private static void assertHalf(int expectedBits, float value) {
    int actual = Float16.floatToHalf(value) & 0xFFFF;
    assertEquals(expectedBits, actual,
        () -> String.format("%s: expected half 0x%04X, got 0x%04X", value, expectedBits, actual));
  }

  private static void assertBfloat16(int expectedBits, float value) {
    int actual = Float16.floatToBfloat16(value) & 0xFFFF;
    assertEquals(expectedBits, actual,
        () -> String.format("%s: expected bfloat16 0x%04X, got 0x%04X", value, expectedBits, actual));
  }
}
