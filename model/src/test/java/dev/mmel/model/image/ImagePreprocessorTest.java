package dev.mmel.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mmel.model.config.ImagePreprocessing;
import dev.mmel.model.config.InputPreprocessing;
import dev.mmel.model.config.ModelConfig;
import dev.mmel.model.config.ModelPresets;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePreprocessorTest {
  private static final int SIZE = 224;
  private static final int PLANE = SIZE * SIZE;
  private static final ImagePreprocessorConfig CLIP =
      ImagePreprocessorConfig.clip(ImagePreprocessing.REFERENCE_LANCZOS, SIZE);
  private static final ImagePreprocessor PREPROCESSOR = new ImagePreprocessor(CLIP);

  /** The spec's normalisation of 8-bit value {@code v} in {@code channel}, in float arithmetic. */
  private static float normalised(int channel, int v) {
    return (v / 255f - CLIP.mean().get(channel)) / CLIP.std().get(channel);
  }

  private static float[] preprocess(byte[] bytes) throws InvalidImageException {
    return PREPROCESSOR.preprocess(bytes);
  }

  private static void assertConstant(float[] tensor, int rgb) {
    assertEquals(3 * PLANE, tensor.length);
    for (int c = 0; c < 3; c++) {
      float expected = normalised(c, (rgb >>> (16 - 8 * c)) & 0xFF);
      for (int i = c * PLANE; i < (c + 1) * PLANE; i++) {
        if (tensor[i] != expected) {
          fail("channel " + c + " index " + i + ": " + tensor[i] + " != " + expected);
        }
      }
    }
  }

  private static InvalidImageException assertInvalid(byte[] bytes, String... fragments) {
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> PREPROCESSOR.preprocess(bytes));
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment),
          () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
    return e;
  }

  @Test
  void realImagesBecomeFiniteNormalisedTensors() throws Exception {
    List<Path> images = TestImages.wikimelImages().orElse(List.of());
    assertFalse(images.isEmpty(),
        () -> "no shared images at " + TestImages.wikimelImageFolderDescription());
    assertEquals(28, images.size(), "images in the shared data set");

    for (Path image : images) {
      float[] tensor = PREPROCESSOR.preprocess(image);

      assertEquals(3 * PLANE, tensor.length);
      for (int c = 0; c < 3; c++) {
        float low = normalised(c, 0);
        float high = normalised(c, 255);
        boolean varies = false;
        for (int i = c * PLANE; i < (c + 1) * PLANE; i++) {
          float v = tensor[i];
          assertTrue(Float.isFinite(v) && v >= low && v <= high,
              () -> image + ": " + v + " outside [" + low + ", " + high + "]");
          varies |= v != tensor[c * PLANE];
        }
        assertTrue(varies, image + " channel " + c + " is flat");
      }
    }
  }

  @Test
  void constantColourGivesExactlyTheNormalisedConstant() throws Exception {
    assertConstant(preprocess(TestImages.png(TestImages.filled(37, 23, 0xC86432))), 0xC86432);
  }

  @Test
  void singlePixelIsUpscaledToItsColour() throws Exception {
    assertConstant(preprocess(TestImages.png(TestImages.filled(1, 1, 0x0080FF))), 0x0080FF);
  }

  @Test
  void missingImageIsAllZeros() throws Exception {
    float[] zeros = new float[3 * PLANE];

    assertArrayEquals(zeros, PREPROCESSOR.missingImage());
    assertArrayEquals(zeros, PREPROCESSOR.preprocess((byte[]) null));
    assertArrayEquals(zeros, PREPROCESSOR.preprocess((Path) null));
  }

  @Test
  void preprocessIntoFillsOnlyItsSlot() throws Exception {
    byte[] png = TestImages.png(TestImages.pattern(300, 200));
    float[] batch = new float[3 * 3 * PLANE + 5];
    Arrays.fill(batch, 7f);

    PREPROCESSOR.preprocessInto(png, batch, 5);
    PREPROCESSOR.preprocessInto(null, batch, 5 + 3 * PLANE);

    assertEquals(7f, batch[4]);
    assertArrayEquals(preprocess(png), Arrays.copyOfRange(batch, 5, 5 + 3 * PLANE));
    assertArrayEquals(new float[3 * PLANE],
        Arrays.copyOfRange(batch, 5 + 3 * PLANE, 5 + 6 * PLANE));
    assertEquals(7f, batch[5 + 6 * PLANE]);
  }

  @Test
  void preprocessIntoLeavesTheSlotUntouchedOnFailure() {
    float[] batch = new float[3 * PLANE];
    Arrays.fill(batch, 7f);

    assertThrows(InvalidImageException.class,
        () -> PREPROCESSOR.preprocessInto(new byte[] {1, 2, 3}, batch, 0));

    assertTrue(allEqual(batch, 7f));
  }

  @Test
  void preprocessIntoChecksTheSlotFits() {
    byte[] png = TestImages.png(TestImages.filled(4, 4, 0));
    assertThrows(IndexOutOfBoundsException.class,
        () -> PREPROCESSOR.preprocessInto(png, new float[3 * PLANE], 1));
    assertThrows(IndexOutOfBoundsException.class,
        () -> PREPROCESSOR.preprocessInto(png, new float[3 * PLANE], -1));
  }

  @Test
  void nonSquareImagesAreStretchedWhole() throws Exception {
    // A horizontal ramp, wide and tall: both must fill the output with the ramp left to right.
    for (int[] size : new int[][] {{600, 90}, {90, 600}}) {
      BufferedImage ramp = new BufferedImage(size[0], size[1], BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < size[1]; y++) {
        for (int x = 0; x < size[0]; x++) {
          int v = x * 255 / (size[0] - 1);
          ramp.setRGB(x, y, v << 16 | v << 8 | v);
        }
      }
      float[] tensor = preprocess(TestImages.png(ramp));

      String name = size[0] + "x" + size[1];
      assertTrue(tensor[0] < normalised(0, 3), name + " starts dark");
      assertTrue(tensor[SIZE - 1] > normalised(0, 252), name + " ends light");
      for (int y = 1; y < SIZE; y++) {
        assertEquals(tensor[SIZE / 2], tensor[y * SIZE + SIZE / 2], name + " rows agree");
      }
    }
  }

  @Test
  void clipCropKeepsTheCentreWhereTheOthersStretchTheWhole() throws Exception {
    // Three 200 x 200 squares, red | green | blue: the crop sees the green one alone.
    BufferedImage thirds = new BufferedImage(600, 200, BufferedImage.TYPE_INT_RGB);
    int[] colours = {0xFF0000, 0x00FF00, 0x0000FF};
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 600; x++) {
        thirds.setRGB(x, y, colours[x / 200]);
      }
    }
    byte[] png = TestImages.png(thirds);
    int middle = SIZE / 2 * SIZE;

    for (ImagePreprocessing method : ImagePreprocessing.values()) {
      float[] tensor = new ImagePreprocessor(ImagePreprocessorConfig.clip(method, SIZE))
          .preprocess(png);

      boolean cropped = method == ImagePreprocessing.CLIP_BICUBIC_CROP;
      assertEquals(normalised(0, cropped ? 0 : 255), tensor[middle + 2], method + " left red");
      assertEquals(normalised(1, 255), tensor[PLANE + middle + SIZE / 2], method + " centre");
      assertEquals(normalised(2, cropped ? 0 : 255), tensor[2 * PLANE + middle + SIZE - 3],
          method + " right blue");
    }
  }

  @Test
  void lanczosIsNotBicubic() throws Exception {
    byte[] png = TestImages.png(TestImages.pattern(300, 200));

    float[] bicubic = new ImagePreprocessor(
        ImagePreprocessorConfig.clip(ImagePreprocessing.DIRECT_BICUBIC, SIZE)).preprocess(png);

    assertFalse(Arrays.equals(preprocess(png), bicubic));
  }

  @Test
  void forConfigTakesTheModelsChoiceAndSize() {
    ModelConfig tiny = ModelPresets.get(ModelPresets.TINY);
    assertEquals(ImagePreprocessing.REFERENCE_LANCZOS,
        ImagePreprocessor.forConfig(tiny).config().method());
    assertEquals(tiny.vision().imageSize(), ImagePreprocessor.forConfig(tiny).config().size());
    assertEquals(ImagePreprocessing.DIRECT_BICUBIC, ImagePreprocessor.forConfig(
        tiny.withPreprocessing(InputPreprocessing.UNRECORDED)).config().method());
  }

  @Test
  void isSafeToShareBetweenThreads() throws Exception {
    byte[] png = TestImages.png(TestImages.pattern(500, 333));
    float[] expected = preprocess(png);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> results =
          pool.invokeAll(Collections.nCopies(8, () -> PREPROCESSOR.preprocess(png)));
      for (Future<float[]> result : results) {
        assertArrayEquals(expected, result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void readsFilesAndChecksTheirSizeFirst(@TempDir Path dir) throws Exception {
    byte[] png = TestImages.png(TestImages.pattern(64, 48));
    Path file = Files.write(dir.resolve("image.png"), png);

    assertArrayEquals(preprocess(png), PREPROCESSOR.preprocess(file));

    ImagePreprocessor small = new ImagePreprocessor(CLIP.withMaxBytes(100));
    InvalidImageException e =
        assertThrows(InvalidImageException.class, () -> small.preprocess(file));
    assertTrue(e.getMessage().contains(png.length + " bytes"), e.getMessage());
    assertTrue(e.getMessage().contains("limit of 100 bytes"), e.getMessage());
    assertThrows(IOException.class, () -> PREPROCESSOR.preprocess(dir.resolve("absent.png")));
  }

  /** Colour conversion as Pillow's convert("RGB"), checked against the same pixels as RGB. */
  @Nested
  class ColourConversion {
    private final int width = 53;
    private final int height = 41;

    private float[] asRgb(int[] rgb) throws InvalidImageException {
      BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
      image.setRGB(0, 0, width, height, rgb, 0, width);
      return preprocess(TestImages.png(image));
    }

    private int[] pattern() {
      int[] rgb = new int[width * height];
      for (int i = 0; i < rgb.length; i++) {
        rgb[i] = TestImages.patternPixel(i % width, i / width);
      }
      return rgb;
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
      int[] rgb = pattern();
      BufferedImage rgba = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
      for (int i = 0; i < rgb.length; i++) {
        int alpha = (i * 7) % 256; // includes fully transparent pixels
        rgba.setRGB(i % width, i / width, alpha << 24 | rgb[i]);
      }

      assertArrayEquals(asRgb(rgb), preprocess(TestImages.png(rgba)));
    }

    @Test
    void greyIsReplicatedWithoutGammaConversion() throws Exception {
      int[] rgb = pattern();
      BufferedImage grey = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
      int[] replicated = new int[rgb.length];
      for (int i = 0; i < rgb.length; i++) {
        int v = rgb[i] & 0xFF;
        grey.getRaster().setSample(i % width, i / width, 0, v);
        replicated[i] = v << 16 | v << 8 | v;
      }

      assertArrayEquals(asRgb(replicated), preprocess(TestImages.png(grey)));
    }

    @Test
    void constantGreyKeepsItsValue() throws Exception {
      // Java's grey colour space is linear: converting through sRGB would turn 100 into ~170.
      BufferedImage grey = new BufferedImage(9, 9, BufferedImage.TYPE_BYTE_GRAY);
      WritableRaster raster = grey.getRaster();
      for (int y = 0; y < 9; y++) {
        for (int x = 0; x < 9; x++) {
          raster.setSample(x, y, 0, 100);
        }
      }

      assertConstant(preprocess(TestImages.png(grey)), 0x646464);
    }

    @Test
    void paletteIsExpanded() throws Exception {
      int[] colours = {0xFF0000, 0x00FF00, 0x0000FF, 0x123456, 0xFEDCBA};
      byte[][] channels = new byte[3][colours.length];
      for (int i = 0; i < colours.length; i++) {
        for (int c = 0; c < 3; c++) {
          channels[c][i] = (byte) (colours[i] >>> (16 - 8 * c));
        }
      }
      IndexColorModel palette =
          new IndexColorModel(8, colours.length, channels[0], channels[1], channels[2]);
      BufferedImage indexed =
          new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, palette);
      int[] expanded = new int[width * height];
      for (int i = 0; i < expanded.length; i++) {
        int index = (i / 3 + i / width) % colours.length;
        indexed.getRaster().setSample(i % width, i / width, 0, index);
        expanded[i] = colours[index];
      }

      assertArrayEquals(asRgb(expanded), preprocess(TestImages.png(indexed)));
      assertArrayEquals(asRgb(expanded), preprocess(TestImages.encode(indexed, "gif")));
    }

    @Test
    void sixteenBitSamplesKeepTheirHighByte() throws Exception {
      int[] rgb = pattern();
      ComponentColorModel model = new ComponentColorModel(
          ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false, Transparency.OPAQUE,
          DataBuffer.TYPE_USHORT);
      WritableRaster raster = model.createCompatibleWritableRaster(width, height);
      BufferedImage grey16 = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
      int[] greyHigh = new int[rgb.length];
      for (int i = 0; i < rgb.length; i++) {
        for (int c = 0; c < 3; c++) {
          int high = (rgb[i] >>> (16 - 8 * c)) & 0xFF;
          raster.setSample(i % width, i / width, c, high << 8 | (i * 13 & 0xFF));
        }
        int high = rgb[i] & 0xFF;
        grey16.getRaster().setSample(i % width, i / width, 0, high << 8 | 0xFF);
        greyHigh[i] = high << 16 | high << 8 | high;
      }
      byte[] rgb16 = TestImages.png(new BufferedImage(model, raster, false, null));
      byte[] grey16Png = TestImages.png(grey16);
      assertEquals(16, rgb16[24], "bit depth written in the IHDR");
      assertEquals(16, grey16Png[24], "bit depth written in the IHDR");

      assertArrayEquals(asRgb(rgb), preprocess(rgb16));
      assertArrayEquals(asRgb(greyHigh), preprocess(grey16Png));
    }

    @Test
    void bmpDecodesLikePng() throws Exception {
      BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
      image.setRGB(0, 0, width, height, pattern(), 0, width);

      assertArrayEquals(asRgb(pattern()), preprocess(TestImages.encode(image, "bmp")));
    }

    @Test
    void embeddedColourProfileIsNotApplied() throws Exception {
      byte[] jpeg = TestImages.encode(TestImages.pattern(120, 80), "jpeg");
      byte[] profile = ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData();
      ByteArrayOutputStream segment = new ByteArrayOutputStream();
      segment.write(new byte[] {(byte) 0xFF, (byte) 0xE2});
      int length = 2 + 12 + 2 + profile.length;
      segment.write(new byte[] {(byte) (length >> 8), (byte) length});
      segment.write("ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII));
      segment.write(new byte[] {1, 1}); // part 1 of 1
      segment.write(profile);
      ByteArrayOutputStream withProfile = new ByteArrayOutputStream();
      withProfile.write(jpeg, 0, 2);
      withProfile.write(segment.toByteArray());
      withProfile.write(jpeg, 2, jpeg.length - 2);

      assertArrayEquals(preprocess(jpeg), preprocess(withProfile.toByteArray()));
    }

    @Test
    void exifOrientationIsNotApplied() throws Exception {
      byte[] jpeg = TestImages.encode(TestImages.pattern(120, 80), "jpeg");
      // APP1 Exif segment: big-endian TIFF header, one IFD entry, Orientation (0x0112) = 6.
      byte[] app1 = {
        (byte) 0xFF, (byte) 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
        'M', 'M', 0, 42, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0
      };
      ByteArrayOutputStream rotated = new ByteArrayOutputStream();
      rotated.write(jpeg, 0, 2);
      rotated.write(app1);
      rotated.write(jpeg, 2, jpeg.length - 2);

      assertArrayEquals(preprocess(jpeg), preprocess(rotated.toByteArray()));
    }
  }

  /** Every bad input fails with a message naming the problem and its numbers. */
  @Nested
  class Rejection {
    @Test
    void emptyInput() {
      assertInvalid(new byte[0], "empty", "0 bytes");
    }

    @Test
    void randomGarbage() {
      byte[] garbage = new byte[5000];
      new Random(42).nextBytes(garbage);
      assertInvalid(garbage, "unrecognised image format", "5000 bytes", "JPEG, PNG");
    }

    @Test
    void unsupportedFormat() {
      byte[] tiff = TestImages.encode(TestImages.filled(8, 8, 0), "tiff");
      assertInvalid(tiff, "unsupported image format TIF", "JPEG, PNG, GIF and BMP");
    }

    @Test
    void zeroWidthOrHeightInTheHeader() {
      byte[] png = TestImages.png(TestImages.filled(40, 30, 0));
      assertInvalid(TestImages.withPngSize(png, 0, 30), "declares 0x30 pixels");
      assertInvalid(TestImages.withPngSize(png, 40, 0), "declares 40x0 pixels");
    }

    @Test
    void decompressionBombIsRejectedFromTheHeaderAlone() {
      byte[] png = TestImages.withPngSize(TestImages.png(TestImages.filled(40, 30, 0)),
          100_000, 100_000);
      byte[] jpeg = TestImages.withJpegSize(
          TestImages.encode(TestImages.filled(40, 30, 0), "jpeg"), 60_000, 60_000);

      // Decoding either would need tens of gigabytes; refusing from the header is instant.
      assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
        assertInvalid(png, "PNG", "100000x100000", "10000000000 pixels", "limit of 40000000");
        assertInvalid(jpeg, "JPEG", "60000x60000", "3600000000 pixels", "limit of 40000000");
      });
    }

    @Test
    void pixelLimitIsConfigurable() throws Exception {
      ImagePreprocessor strict = new ImagePreprocessor(CLIP.withMaxPixels(400));
      strict.preprocess(TestImages.png(TestImages.filled(20, 20, 0)));

      InvalidImageException e = assertThrows(InvalidImageException.class,
          () -> strict.preprocess(TestImages.png(TestImages.filled(21, 20, 0))));
      assertTrue(e.getMessage().contains("21x20 = 420 pixels, over the limit of 400"),
          e.getMessage());
    }

    @Test
    void byteLimit() {
      byte[] png = TestImages.png(TestImages.pattern(64, 64));
      ImagePreprocessor strict = new ImagePreprocessor(CLIP.withMaxBytes(1000));

      InvalidImageException e =
          assertThrows(InvalidImageException.class, () -> strict.preprocess(png));
      assertTrue(e.getMessage().contains(png.length + " bytes, over the limit of 1000 bytes"),
          e.getMessage());
    }

    @Test
    void truncatedJpeg() {
      byte[] jpeg = TestImages.encode(TestImages.pattern(400, 300), "jpeg");
      byte[] half = Arrays.copyOf(jpeg, jpeg.length / 2);

      InvalidImageException e = assertInvalid(half, "JPEG", "400x300", "truncated or corrupt");
      assertTrue(e.getMessage().contains("EOI") || e.getMessage().contains("premature"),
          e.getMessage());
    }

    @Test
    void truncatedPngWrapsTheDecoderError() {
      byte[] png = TestImages.png(TestImages.pattern(300, 200));

      InvalidImageException e = assertInvalid(Arrays.copyOf(png, png.length / 2),
          "PNG", "300x200", "truncated or corrupt");
      assertTrue(e.getCause() instanceof IOException, "cause " + e.getCause());
    }

    @Test
    void truncatedHeader() {
      byte[] jpeg = TestImages.encode(TestImages.pattern(40, 30), "jpeg");
      assertInvalid(Arrays.copyOf(jpeg, 40), "JPEG header is truncated or corrupt", "40 bytes");
    }

    @Test
    void cmykJpeg() throws Exception {
      Raster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
      try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
        writer.setOutput(stream);
        writer.write(new IIOImage(cmyk, null, null));
      } finally {
        writer.dispose();
      }

      assertInvalid(out.toByteArray(), "CMYK", "4 channels");
    }
  }

  @Nested
  class Config {
    @Test
    void clipDefaults() {
      assertEquals(224, CLIP.size());
      assertEquals(ImagePreprocessing.REFERENCE_LANCZOS, CLIP.method());
      assertEquals(0.48145466f, CLIP.mean().red());
      assertEquals(0.27577711f, CLIP.std().blue());
      assertEquals(40_000_000L, CLIP.maxPixels());
      assertEquals(20L * 1024 * 1024, CLIP.maxBytes());
      assertEquals(3 * PLANE, PREPROCESSOR.outputLength());
    }

    @Test
    void rejectsInvalidFieldsNamingFieldAndLimit() {
      ImagePreprocessorConfig.PerChannel ones = new ImagePreprocessorConfig.PerChannel(1, 1, 1);
      ImagePreprocessing method = ImagePreprocessing.REFERENCE_LANCZOS;
      assertMessage("method is required",
          () -> new ImagePreprocessorConfig(null, 8, ones, ones, 10, 10));
      assertMessage("size must be in [1, 4096], got 0",
          () -> new ImagePreprocessorConfig(method, 0, ones, ones, 10, 10));
      assertMessage("mean must be three finite values",
          () -> new ImagePreprocessorConfig(method,
              8, new ImagePreprocessorConfig.PerChannel(Float.NaN, 0, 0), ones, 10, 10));
      assertMessage("std must be three finite values > 0",
          () -> new ImagePreprocessorConfig(method,
              8, ones, new ImagePreprocessorConfig.PerChannel(1, 0, 1), 10, 10));
      assertMessage("maxPixels must be in [1, 536870909], got 0",
          () -> CLIP.withMaxPixels(0));
      assertMessage("maxBytes must be in [1, 2147483639], got 2147483648",
          () -> CLIP.withMaxBytes(1L << 31));
    }

    private void assertMessage(String expected, Runnable construction) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, construction::run);
      assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
  }

  private static boolean allEqual(float[] values, float expected) {
    for (float v : values) {
      if (v != expected) {
        return false;
      }
    }
    return true;
  }
}
