package dev.mmel.core;

/**
 * Exact conversions between {@code float} and the two 16-bit float formats found in weight files: IEEE 754
 * binary16 ("half", 1 sign, 5 exponent, 10 fraction bits) and bfloat16 (the top 16 bits of a binary32).
 *
 * <p>Widening to {@code float} is exact for every bit pattern. Narrowing rounds to nearest, ties to even, the
 * IEEE default and what numpy and PyTorch do, so weights converted here match weights converted there.
 * Values too large for the target overflow to infinity; values too small underflow through the subnormals to
 * a signed zero. NaNs stay NaN and keep the leading payload bits that fit, so every half and bfloat16 pattern
 * survives a round trip through {@code float} bit for bit.
 */
public final class Float16 {

  private static final int HALF_EXPONENT_BIAS = 15;
  private static final int FLOAT_EXPONENT_BIAS = 127;
  /** Fraction bits a float has beyond those of a half. */
  private static final int FRACTION_SHIFT = 23 - 10;
  private static final int HALF_INFINITY = 0x7C00;
  private static final int HALF_QUIET_BIT = 0x0200;
  private static final int BFLOAT16_QUIET_BIT = 0x0040;
  private static final float HALF_SUBNORMAL_UNIT = 0x1p-24f;
  /**
   * Every half widened, indexed by bit pattern. Serving widens the rerank features of each
   * retrieved candidate (about 10,000 halves each), and a look-up takes half the time of the
   * arithmetic there.
   */
  private static final float[] WIDENED = widenAll();

  private Float16() {
  }

  /** Widens the binary16 value with bit pattern {@code bits}. */
  public static float halfToFloat(short bits) {
    return WIDENED[bits & 0xFFFF];
  }

  private static float[] widenAll() {
    float[] widened = new float[1 << 16];
    for (int bits = 0; bits < widened.length; bits++) {
      widened[bits] = widen((short) bits);
    }
    return widened;
  }

  private static float widen(short bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int fraction = bits & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | fraction << FRACTION_SHIFT);
    }
    if (exponent == 0) {
      // Zero or subnormal: fraction * 2^-24 has at most 10 significant bits, so the product is exact.
      float magnitude = fraction * HALF_SUBNORMAL_UNIT;
      return sign == 0 ? magnitude : -magnitude;
    }
    int floatExponent = exponent - HALF_EXPONENT_BIAS + FLOAT_EXPONENT_BIAS;
    return Float.intBitsToFloat(sign | floatExponent << 23 | fraction << FRACTION_SHIFT);
  }

  /** Narrows {@code value} to the nearest binary16 value (ties to even) and returns its bit pattern. */
  public static short floatToHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xFF;
    int fraction = bits & 0x7FFFFF;
    if (exponent == 0xFF) {
      if (fraction == 0) {
        return (short) (sign | HALF_INFINITY);
      }
      int payload = fraction >>> FRACTION_SHIFT;
      // A payload living only in the dropped low bits would otherwise turn the NaN into infinity.
      return (short) (sign | HALF_INFINITY | (payload == 0 ? HALF_QUIET_BIT : payload));
    }
    int unbiased = exponent - FLOAT_EXPONENT_BIAS;
    if (unbiased > HALF_EXPONENT_BIAS) {
      return (short) (sign | HALF_INFINITY);
    }
    if (unbiased >= 1 - HALF_EXPONENT_BIAS) {
      int biased = (unbiased + HALF_EXPONENT_BIAS) << 10;
      // Adding the rounded fraction lets a carry ripple into the exponent, up to infinity at the top.
      return (short) (sign | (biased + roundShiftRight(fraction, FRACTION_SHIFT)));
    }
    // Below the smallest normal half: count in units of 2^-24, the half subnormal step. The float
    // significand (implicit bit included) is in units of 2^(unbiased - 23).
    int shift = -unbiased - 1;
    if (shift > 24) {
      // Under half of 2^-24 (float subnormals included): rounds to zero.
      return (short) sign;
    }
    // A result of 0x400 is the smallest normal half, which is exactly right when rounding carries.
    return (short) (sign | roundShiftRight(fraction | 0x800000, shift));
  }

  /** Widens the bfloat16 value with bit pattern {@code bits}. */
  public static float bfloat16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** Narrows {@code value} to the nearest bfloat16 value (ties to even) and returns its bit pattern. */
  public static short floatToBfloat16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      int upper = bits >>> 16;
      // Rounding could carry a NaN into infinity, and truncation could drop its whole payload.
      return (short) ((upper & 0x7F) == 0 ? upper | BFLOAT16_QUIET_BIT : upper);
    }
    // Past the largest finite bfloat16 the carry lands on the infinity pattern, as it should.
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  /** {@code value >> shift} rounded to nearest, ties to even; {@code shift} is between 1 and 24. */
  private static int roundShiftRight(int value, int shift) {
    int kept = value >>> shift;
    int dropped = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    boolean roundUp = dropped > half || (dropped == half && (kept & 1) == 1);
    return roundUp ? kept + 1 : kept;
  }
}
