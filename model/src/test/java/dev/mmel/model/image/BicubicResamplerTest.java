package dev.mmel.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class BicubicResamplerTest {

  /**
   * Outputs of Pillow 13.0.0's {@code Image.fromarray(pattern).resize((ow, oh), Image.BICUBIC)}
   * for {@link #pattern}. The 3x20 and 4x13 cases take Pillow's vertical-first order and the others
   * its horizontal-first order; each would differ in the other order.
   */
  static Stream<Arguments> pillowOutputs() {
    return Stream.of(
        Arguments.of(9, 7, 4, 3, new int[] {
          0x6C99AF, 0x745699, 0x849884, 0x4FA772, 0x91C27F, 0x6E9599, 0x817EA5, 0x808779,
          0xAFBF8D, 0xAA616F, 0x89987A, 0x8F7464}),
        Arguments.of(3, 20, 2, 4, new int[] {
          0x96C290, 0x69949B, 0xB98882, 0x93737C, 0x957177, 0x6C9789, 0x969753, 0x688C9D}),
        Arguments.of(5, 4, 11, 9, new int[] {
          0xFFDB92, 0xEFBE8F, 0x707A87, 0x154F87, 0x246CA7, 0x4B8AB1, 0x677467, 0x835E21,
          0x93876B, 0x9CC5EA, 0xA0DEFF, 0xEBCB9D, 0xD4B69C, 0x73879A, 0x2D639E, 0x2F69B5,
          0x4971B8, 0x705E70, 0x99512B, 0x9A7768, 0x8AAFD6, 0x84C6F2, 0x90A1BC, 0x90A1C1,
          0x7EA2CD, 0x6992D5, 0x4B5FDB, 0x4532CD, 0x892685, 0xD02E41, 0xAD515D, 0x5F7EA2,
          0x4091B7, 0x558CBB, 0x619BC8, 0x7EC0E5, 0x88BCF7, 0x585EEF, 0x3F0BD5, 0x94099C,
          0xED2565, 0xB23A68, 0x3E4E86, 0x0F5792, 0x80BA66, 0x75C37C, 0x5FD9AD, 0x49CDD2,
          0x3275D2, 0x322BC5, 0x773BB4, 0xBC5FA4, 0x9652A7, 0x4533B2, 0x2427B8, 0xC1EB17,
          0x9CE933, 0x45E674, 0x08CFA6, 0x1290A6, 0x3163A3, 0x577FBB, 0x78A3D7, 0x6F75E1,
          0x532AE1, 0x470BE3, 0xE3E131, 0xBBDA4A, 0x5DCB87, 0x1EB9A9, 0x3DA682, 0x619D64,
          0x57B48E, 0x43C5C8, 0x4394D8, 0x4A4AD4, 0x4C2CD4, 0xF7C470, 0xD5BA82, 0x83A4B2,
          0x519CBB, 0x7CB764, 0x9CD222, 0x62DC53, 0x1BD5A0, 0x1CACB6, 0x3B78B2, 0x4761B3,
          0xFFB888, 0xE1AE98, 0x9394C3, 0x6490C2, 0x95BF56, 0xB4E906, 0x67EE3A, 0x08DE91,
          0x0BB7A9, 0x358AA6, 0x4676A7}),
        Arguments.of(13, 5, 4, 8, new int[] {
          0x77808C, 0x7CC086, 0x3E797E, 0x7F8581, 0x7972AA, 0x849A7F, 0x469A88, 0x73826C,
          0x746BCA, 0x8B617E, 0x5EBC88, 0x6D8255, 0x54A1A0, 0x80439E, 0x9A8D4B, 0xA39F64,
          0x59BD83, 0x6566B3, 0x8D745D, 0x91898D, 0x87B87C, 0x48B8B5, 0x437AB9, 0x424ABC,
          0xA2BC80, 0x8A9598, 0x8778A6, 0x856981, 0xAEC085, 0xC06E82, 0xC5778B, 0xC38A4E}),
        Arguments.of(4, 13, 8, 5, new int[] {
          0xB7BC85, 0x9AB795, 0x5CACB8, 0x398EC7, 0x365BBF, 0x564AA3, 0x945978, 0xB16063,
          0xB5C57D, 0xA7C680, 0x88C984, 0x84C67F, 0x9FBC71, 0x97B381, 0x6EACAE, 0x5BA9C3,
          0xB4B581, 0xBCAF87, 0xCEA193, 0xB88B92, 0x7A7083, 0x795971, 0xB1495B, 0xCC4151,
          0xBC758E, 0xB7647D, 0xAF4059, 0xA03F58, 0x8B627B, 0x91859B, 0xB1A3B7, 0xC0B2C4,
          0xD07276, 0xA86286, 0x543EA8, 0x3859B0, 0x5DB59D, 0x66BE88, 0x567874, 0x4E586A}));
  }

  /** The input behind {@link #pillowOutputs}, as the numpy expression that generated them. */
  private static int[] pattern(int width, int height) {
    int[] rgb = new int[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int pixel = 0;
        for (int c = 0; c < 3; c++) {
          int v = (x * 37 + y * 91 + c * 53 + x * y * 13) % 256;
          pixel = pixel << 8 | ((x + y) % 3 == 0 ? 255 - v : v);
        }
        rgb[y * width + x] = pixel;
      }
    }
    return rgb;
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
  @MethodSource("pillowOutputs")
  void matchesPillowBitForBit(int width, int height, int outWidth, int outHeight, int[] pillow) {
    int[] resized = BicubicResampler.resize(pattern(width, height), width, height, outWidth,
        outHeight);

    assertArrayEquals(pillow, resized);
  }

  @Test
  void halvingTwoPixelsAveragesWithPillowsRounding() {
    // Shrinking 2 -> 1 gives both source pixels weight 0.5 = 2^21, so each channel is
    // (a * 2^21 + b * 2^21 + 2^21) >> 22 = floor((a + b + 1) / 2).
    int[] resized = BicubicResampler.resize(new int[] {0x0A00FF, 0x1501FE}, 2, 1, 1, 1);

    assertArrayEquals(new int[] {0x1001FF}, resized);
  }

  @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
  @CsvSource({
    "1, 1, 224, 224",
    "7, 5, 224, 224",
    "2500, 1667, 224, 224",
    "1000, 3, 224, 224",
    "3, 1000, 224, 224",
    "224, 500, 224, 224",
    "500, 224, 224, 224",
    "300, 300, 17, 401"
  })
  void keepsAConstantImageExactlyConstant(int width, int height, int outWidth, int outHeight) {
    int[] constant = new int[width * height];
    Arrays.fill(constant, 0xC86432);

    int[] resized = BicubicResampler.resize(constant, width, height, outWidth, outHeight);

    assertEquals(outWidth * outHeight, resized.length);
    assertTrue(Arrays.stream(resized).allMatch(p -> p == 0xC86432),
        () -> "first pixel " + Integer.toHexString(resized[0]));
  }

  @Test
  void clampsOvershootAtHardEdges() {
    // Bicubic rings at a black/white edge; the 8-bit result must be clamped, not wrapped.
    int[] edge = new int[16];
    Arrays.fill(edge, 8, 16, 0xFFFFFF);

    int[] resized = BicubicResampler.resize(edge, 16, 1, 37, 1);

    // Clamped, the undershoot and overshoot flatten into a monotonic ramp; wrapped, a value just
    // below 0 would turn into 255.
    for (int x = 1; x < resized.length; x++) {
      assertTrue((resized[x] & 0xFF) >= (resized[x - 1] & 0xFF), "monotonic at " + x);
    }
    assertEquals(0, resized[0]);
    assertEquals(0xFFFFFF, resized[36]);
  }

  @Test
  void sameSizeIsAnEqualCopy() {
    int[] rgb = pattern(6, 4);

    int[] resized = BicubicResampler.resize(rgb, 6, 4, 6, 4);

    assertArrayEquals(rgb, resized);
    assertNotSame(rgb, resized);
  }

  @Test
  void ignoresBitsAboveTheColour() {
    int[] rgb = pattern(9, 7);
    int[] argb = Arrays.stream(rgb).map(p -> p | 0x7F000000).toArray();

    assertArrayEquals(
        BicubicResampler.resize(rgb, 9, 7, 4, 3), BicubicResampler.resize(argb, 9, 7, 4, 3));
  }

  @Test
  void extremeAspectRatiosStayFastAndBounded() {
    int[] column = new int[1_000_000];
    for (int i = 0; i < column.length; i++) {
      column[i] = i * 255 / column.length;
    }

    int[][] results =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () ->
                new int[][] {
                  BicubicResampler.resize(column, 1, column.length, 224, 224),
                  BicubicResampler.resize(column, column.length, 1, 224, 224)
                });

    // A blue ramp along the long side survives, whichever side that is.
    int[] tall = results[0];
    int[] wide = results[1];
    assertTrue(tall[0] < tall[223 * 224], "ramp runs down the tall image");
    assertTrue(wide[0] < wide[223], "ramp runs along the wide image");
    assertEquals(tall[100 * 224], tall[100 * 224 + 223], "rows of the tall image are flat");
  }

  @Test
  void rejectsInconsistentArguments() {
    assertThrows(IllegalArgumentException.class,
        () -> BicubicResampler.resize(new int[5], 2, 3, 4, 4));
    assertThrows(IllegalArgumentException.class,
        () -> BicubicResampler.resize(new int[0], 0, 3, 4, 4));
    assertThrows(IllegalArgumentException.class,
        () -> BicubicResampler.resize(new int[6], 2, 3, 0, 4));
    assertThrows(IllegalArgumentException.class,
        () -> BicubicResampler.resize(new int[6], 2, 3, 100_000, 100_000));
    assertThrows(NullPointerException.class, () -> BicubicResampler.resize(null, 2, 3, 4, 4));
  }
}
