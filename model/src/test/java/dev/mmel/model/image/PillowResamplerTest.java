package dev.mmel.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

class PillowResamplerTest {

  /**
   * Outputs of Pillow 13.0.0's {@code Image.fromarray(pattern).resize((ow, oh), filter)} for
   * {@link #pattern}. The 3x20 and 4x13 cases take Pillow's vertical-first order and the others
   * its horizontal-first order; each would differ in the other order, with either filter.
   */
  static Stream<Arguments> pillowOutputs() {
    return Stream.of(
        Arguments.of(ResampleFilter.BICUBIC, 9, 7, 4, 3, new int[] {
          0x6C99AF, 0x745699, 0x849884, 0x4FA772, 0x91C27F, 0x6E9599, 0x817EA5, 0x808779,
          0xAFBF8D, 0xAA616F, 0x89987A, 0x8F7464}),
        Arguments.of(ResampleFilter.BICUBIC, 3, 20, 2, 4, new int[] {
          0x96C290, 0x69949B, 0xB98882, 0x93737C, 0x957177, 0x6C9789, 0x969753, 0x688C9D}),
        Arguments.of(ResampleFilter.BICUBIC, 5, 4, 11, 9, new int[] {
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
        Arguments.of(ResampleFilter.BICUBIC, 13, 5, 4, 8, new int[] {
          0x77808C, 0x7CC086, 0x3E797E, 0x7F8581, 0x7972AA, 0x849A7F, 0x469A88, 0x73826C,
          0x746BCA, 0x8B617E, 0x5EBC88, 0x6D8255, 0x54A1A0, 0x80439E, 0x9A8D4B, 0xA39F64,
          0x59BD83, 0x6566B3, 0x8D745D, 0x91898D, 0x87B87C, 0x48B8B5, 0x437AB9, 0x424ABC,
          0xA2BC80, 0x8A9598, 0x8778A6, 0x856981, 0xAEC085, 0xC06E82, 0xC5778B, 0xC38A4E}),
        Arguments.of(ResampleFilter.BICUBIC, 4, 13, 8, 5, new int[] {
          0xB7BC85, 0x9AB795, 0x5CACB8, 0x398EC7, 0x365BBF, 0x564AA3, 0x945978, 0xB16063,
          0xB5C57D, 0xA7C680, 0x88C984, 0x84C67F, 0x9FBC71, 0x97B381, 0x6EACAE, 0x5BA9C3,
          0xB4B581, 0xBCAF87, 0xCEA193, 0xB88B92, 0x7A7083, 0x795971, 0xB1495B, 0xCC4151,
          0xBC758E, 0xB7647D, 0xAF4059, 0xA03F58, 0x8B627B, 0x91859B, 0xB1A3B7, 0xC0B2C4,
          0xD07276, 0xA86286, 0x543EA8, 0x3859B0, 0x5DB59D, 0x66BE88, 0x567874, 0x4E586A}),
        Arguments.of(ResampleFilter.LANCZOS, 9, 7, 4, 3, new int[] {
          0x6898B0, 0x6D509B, 0x869A84, 0x49AB72, 0x92C97D, 0x71949B, 0x8176A5, 0x858A76,
          0xAEC391, 0xB1606A, 0x889978, 0x8B746A}),
        Arguments.of(ResampleFilter.LANCZOS, 3, 20, 2, 4, new int[] {
          0x96C891, 0x66959C, 0xBC8781, 0x95737B, 0x926C78, 0x66948A, 0x989B50, 0x688E9E}),
        Arguments.of(ResampleFilter.LANCZOS, 5, 4, 11, 9, new int[] {
          0xFFEC8A, 0xF5C183, 0x737977, 0x024982, 0x0B6BAD, 0x4B93AD, 0x697E59, 0x78651E,
          0x918C71, 0xA2C6ED, 0xAAE8FF, 0xE6CCA2, 0xD0B49F, 0x7C8798, 0x2A61A3, 0x2066C5,
          0x4A6EBA, 0x795864, 0x9D4B25, 0x9E7864, 0x8CAECE, 0x7ECFF0, 0x8E9BC3, 0x94A0C7,
          0x89A1CD, 0x698CD9, 0x4260E6, 0x4935CA, 0x922077, 0xD22736, 0xAF5856, 0x64849C,
          0x369FBA, 0x4E83B7, 0x61A1C7, 0x85C8E3, 0x86BFFC, 0x4B60FC, 0x3E08D7, 0x9C009A,
          0xF31F67, 0xB64167, 0x434C83, 0x005498, 0x71AF5D, 0x68CA79, 0x62ECAB, 0x46D8DD,
          0x1D6CE6, 0x2819D3, 0x8228BF, 0xCE54AE, 0xA24EA9, 0x4626AE, 0x0C0FB7, 0xC7E711,
          0x98EC33, 0x4AEE72, 0x03CEAA, 0x0185AF, 0x2F5FA6, 0x6080BA, 0x7CA3D7, 0x7175E3,
          0x542BE2, 0x4000E0, 0xF6E725, 0xBFDD48, 0x5DCB84, 0x15B3A4, 0x32A17C, 0x64A75D,
          0x5BC782, 0x39D1C6, 0x3A97E2, 0x4A50DC, 0x5526D3, 0xFFCB60, 0xD3BB82, 0x7FA4B6,
          0x4C9BB7, 0x77B35F, 0x9BD421, 0x66E947, 0x18DD9F, 0x14A9C3, 0x3877BA, 0x515AB1,
          0xFFB889, 0xDDA5A8, 0x948CD5, 0x6F8BC4, 0xA0BC51, 0xBAEB01, 0x6EF924, 0x0ADF83,
          0x02B2AD, 0x2E8FA4, 0x4E7C9C}),
        Arguments.of(ResampleFilter.LANCZOS, 13, 5, 4, 8, new int[] {
          0x7B8088, 0x72C188, 0x427C7A, 0x868284, 0x7C6AAC, 0x839E7B, 0x3FA28F, 0x6E7B6E,
          0x7067CC, 0x935D7B, 0x5CC08A, 0x6A8153, 0x51A1A7, 0x85349F, 0xA68E43, 0xAAA75C,
          0x58C27F, 0x576ABC, 0x8D6C58, 0x918995, 0x86B779, 0x42BDB5, 0x4278B9, 0x4245BE,
          0xA5BA80, 0x8A9C93, 0x8378B0, 0x806582, 0xACC087, 0xC6677D, 0xCC7489, 0xC99247}),
        Arguments.of(ResampleFilter.LANCZOS, 4, 13, 8, 5, new int[] {
          0xBFB981, 0x9BB896, 0x5EADB8, 0x2686D0, 0x2656C3, 0x5A479A, 0x925675, 0xB36561,
          0xB8C778, 0xA4CB7E, 0x86CF86, 0x83CD80, 0x9FC372, 0x95B689, 0x6FAEB1, 0x56ABCA,
          0xAFB282, 0xC1AF87, 0xD7A28D, 0xBD8B8F, 0x7E7083, 0x80536B, 0xB34055, 0xD83949,
          0xBB7897, 0xB96081, 0xB34060, 0x9B3554, 0x815673, 0x8D87A0, 0xACA8BC, 0xC2B7CA,
          0xD98072, 0xA66086, 0x533AA6, 0x2C5EB9, 0x53C0A9, 0x68C789, 0x588073, 0x4B4D67}));
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

  @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
  @MethodSource("pillowOutputs")
  void matchesPillowBitForBit(ResampleFilter filter, int width, int height, int outWidth,
      int outHeight, int[] pillow) {
    int[] resized = PillowResampler.resize(pattern(width, height), width, height, filter,
        outWidth, outHeight);

    assertArrayEquals(pillow, resized);
  }

  @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}, window at {5},{6}")
  @CsvSource({
    "BICUBIC, 300, 200, 336, 224, 56, 0",
    "BICUBIC, 90, 600, 224, 1493, 0, 634",
    "LANCZOS, 37, 41, 60, 50, 3, 7",
    "LANCZOS, 13, 5, 4, 8, 1, 2",
    "BICUBIC, 224, 500, 224, 500, 0, 138"
  })
  void aWindowEqualsThatPartOfTheWholeResize(ResampleFilter filter, int width, int height,
      int outWidth, int outHeight, int left, int top) {
    int[] source = pattern(width, height);
    int[] whole = PillowResampler.resize(source, width, height, filter, outWidth, outHeight);
    int cropWidth = Math.min(outWidth - left, 224);
    int cropHeight = Math.min(outHeight - top, 224);

    int[] window = PillowResampler.resizeRows(
        (y, row) -> System.arraycopy(source, y * width, row, 0, width),
        ResampleWeights.window(filter, width, outWidth, left, cropWidth),
        ResampleWeights.window(filter, height, outHeight, top, cropHeight));

    int[] expected = new int[cropWidth * cropHeight];
    for (int y = 0; y < cropHeight; y++) {
      System.arraycopy(whole, (top + y) * outWidth + left, expected, y * cropWidth, cropWidth);
    }
    assertArrayEquals(expected, window);
  }

  @Test
  void lanczosAndBicubicDifferOnStructuredContent() {
    int[] source = pattern(50, 40);

    assertFalse(Arrays.equals(
        PillowResampler.resize(source, 50, 40, ResampleFilter.BICUBIC, 23, 17),
        PillowResampler.resize(source, 50, 40, ResampleFilter.LANCZOS, 23, 17)));
  }

  @Test
  void halvingTwoPixelsAveragesWithPillowsRounding() {
    // Shrinking 2 -> 1 gives both source pixels weight 0.5 = 2^21, so each channel is
    // (a * 2^21 + b * 2^21 + 2^21) >> 22 = floor((a + b + 1) / 2).
    int[] resized = PillowResampler.resize(new int[] {0x0A00FF, 0x1501FE}, 2, 1,
        ResampleFilter.BICUBIC, 1, 1);

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

    for (ResampleFilter filter : ResampleFilter.values()) {
      int[] resized =
          PillowResampler.resize(constant, width, height, filter, outWidth, outHeight);

      assertEquals(outWidth * outHeight, resized.length);
      assertTrue(Arrays.stream(resized).allMatch(p -> p == 0xC86432),
          () -> filter + ": first pixel " + Integer.toHexString(resized[0]));
    }
  }

  @Test
  void clampsOvershootAtHardEdges() {
    // Bicubic rings at a black/white edge; the 8-bit result must be clamped, not wrapped.
    int[] edge = new int[16];
    Arrays.fill(edge, 8, 16, 0xFFFFFF);

    int[] resized = PillowResampler.resize(edge, 16, 1, ResampleFilter.BICUBIC, 37, 1);

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

    for (ResampleFilter filter : ResampleFilter.values()) {
      int[] resized = PillowResampler.resize(rgb, 6, 4, filter, 6, 4);

      assertArrayEquals(rgb, resized);
      assertNotSame(rgb, resized);
    }
  }

  @Test
  void ignoresBitsAboveTheColour() {
    int[] rgb = pattern(9, 7);
    int[] argb = Arrays.stream(rgb).map(p -> p | 0x7F000000).toArray();

    assertArrayEquals(PillowResampler.resize(rgb, 9, 7, ResampleFilter.LANCZOS, 4, 3),
        PillowResampler.resize(argb, 9, 7, ResampleFilter.LANCZOS, 4, 3));
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
                  PillowResampler.resize(column, 1, column.length, ResampleFilter.LANCZOS, 224,
                      224),
                  PillowResampler.resize(column, column.length, 1, ResampleFilter.LANCZOS, 224,
                      224)
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
    ResampleFilter filter = ResampleFilter.BICUBIC;
    assertThrows(IllegalArgumentException.class,
        () -> PillowResampler.resize(new int[5], 2, 3, filter, 4, 4));
    assertThrows(IllegalArgumentException.class,
        () -> PillowResampler.resize(new int[0], 0, 3, filter, 4, 4));
    assertThrows(IllegalArgumentException.class,
        () -> PillowResampler.resize(new int[6], 2, 3, filter, 0, 4));
    assertThrows(IllegalArgumentException.class,
        () -> PillowResampler.resize(new int[6], 2, 3, filter, 100_000, 100_000));
    assertThrows(NullPointerException.class,
        () -> PillowResampler.resize(null, 2, 3, filter, 4, 4));
    assertThrows(IllegalArgumentException.class,
        () -> ResampleWeights.window(filter, 10, 20, 15, 6));
    assertThrows(IllegalArgumentException.class,
        () -> ResampleWeights.window(filter, 10, 20, -1, 6));
  }
}
