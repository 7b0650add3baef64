package dev.mmel.model.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.config.ImagePreprocessing;
import java.awt.color.ColorSpace;
import java.awt.color.ICC_Profile;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cross-checks the Java preprocessing against the real thing: Pillow and numpy running {@code
 * reference/clip_preprocess.py}, in the interpreter named by {@code -Dmmel.reference.python} or
 * else created by {@code infra/reference-venv.sh}, for each {@link ImagePreprocessing}: the
 * reference MMoE loader's LANCZOS resize, CLIPImageProcessor's resize and crop, and the plain
 * BICUBIC resize.
 *
 * <p>Two sources of difference are kept apart. The resize (and crop) is fed the very pixels Pillow
 * decoded and must match Pillow's exactly. End to end, the decoders may differ: PNG, GIF and BMP
 * decode losslessly and must match to float rounding (1e-6); JPEGs go through the JDK's IJG
 * libjpeg 6b and Pillow's libjpeg-turbo, which share the integer IDCT and fancy upsampling and have
 * so far agreed bit for bit, but which no standard binds to, so JPEGs are held to a looser bound:
 * at most 8 levels of an 8-bit pixel (0.125 after normalisation) and a mean of at most 0.002.
 */
class ImagePreprocessorReferenceIT {
  private static final String PYTHON_PROPERTY = "mmel.reference.python";
  private static final int SIZE = 224;
  private static final double LOSSLESS_MAX_DIFF = 1e-6;
  private static final double JPEG_MAX_DIFF = 0.125;
  private static final double JPEG_MEAN_DIFF = 0.002;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path work;
  private static Path python;
  private static Path script;
  private static Path synth;
  private static Path profile;

  @BeforeAll
  static void findReference() throws Exception {
    python = referencePython();
    script = work.resolve("clip_preprocess.py");
    try (InputStream in =
        ImagePreprocessorReferenceIT.class.getResourceAsStream("/reference/clip_preprocess.py")) {
      assertTrue(in != null, "reference/clip_preprocess.py is not on the test classpath");
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    synth = work.resolve("synth");
    // Linear RGB: a profile far from sRGB, so that applying it would show.
    profile = Files.write(work.resolve("linear-rgb.icc"),
        ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB).getData());
    runReference("synth", synth.toString(), profile.toString());
  }

  private static ImagePreprocessor preprocessor(ImagePreprocessing method) {
    return new ImagePreprocessor(ImagePreprocessorConfig.clip(method, SIZE));
  }

  @ParameterizedTest
  @EnumSource(ResampleFilter.class)
  void resamplerMatchesPillowOnManySizes(ResampleFilter filter) throws Exception {
    Path out = work.resolve("resample-" + filter);
    runReference("resample", out.toString(), filter.name().toLowerCase(Locale.ROOT));

    JsonNode cases = JSON.readTree(out.resolve("manifest.json").toFile());
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      int width = c.get("width").asInt();
      int height = c.get("height").asInt();
      int outWidth = c.get("outWidth").asInt();
      int outHeight = c.get("outHeight").asInt();
      int[] source = readRgb(out.resolve(i + ".in.rgb"), width * height);
      int[] pillow = readRgb(out.resolve(i + ".out.rgb"), outWidth * outHeight);

      Difference d = Difference.of(
          PillowResampler.resize(source, width, height, filter, outWidth, outHeight), pillow);
      if (d.count() > 0) {
        mismatches.add(width + "x" + height + " -> " + outWidth + "x" + outHeight + ": " + d);
      }
    }
    System.out.printf("%s resampler vs Pillow on %d size pairs: %d mismatched%n",
        filter, cases.size(), mismatches.size());
    assertTrue(cases.size() > 50, "cases run");
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  @ParameterizedTest
  @EnumSource(ImagePreprocessing.class)
  void syntheticImagesMatchPillow(ImagePreprocessing method) throws Exception {
    List<Path> images;
    try (Stream<Path> files = Files.list(synth)) {
      images = files.sorted().toList();
    }
    List<Path> cmyk = images.stream().filter(p -> name(p).startsWith("cmyk")).toList();
    List<Path> decodable = images.stream().filter(p -> !cmyk.contains(p)).toList();

    Report report = compare("synthetic", method, decodable);

    assertEquals(decodable.size(), report.rows().size());
    report.assertWithinBounds();
    // Deliberately stricter than Pillow, which converts CMYK JPEGs.
    for (Path image : cmyk) {
      InvalidImageException e = assertThrows(InvalidImageException.class,
          () -> preprocessor(method).preprocess(image));
      assertTrue(e.getMessage().contains("CMYK"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(ImagePreprocessing.class)
  void realImagesMatchPillow(ImagePreprocessing method) throws Exception {
    Report report = compare("wikimel", method, realImages());

    assertEquals(28, report.rows().size());
    report.assertWithinBounds();
  }

  /**
   * How far the bicubic methods' inputs are from the reference's LANCZOS ones on the real images,
   * in Pillow's own output: the distance a model trained on one sees when served the other.
   */
  @Test
  void theMethodsGiveDifferentInputsOnRealImages() throws Exception {
    List<Path> images = realImages();
    Path reference = runMethod("differences", ImagePreprocessing.REFERENCE_LANCZOS, images);
    for (ImagePreprocessing other : List.of(
        ImagePreprocessing.DIRECT_BICUBIC, ImagePreprocessing.CLIP_BICUBIC_CROP)) {
      Path out = runMethod("differences", other, images);
      int maxLevels = 0;
      double maxNormalised = 0;
      double meanNormalised = 0;
      for (int i = 0; i < images.size(); i++) {
        maxLevels = Math.max(maxLevels, Difference.of(
            readRgb(out.resolve(i + ".resized.rgb"), SIZE * SIZE),
            readRgb(reference.resolve(i + ".resized.rgb"), SIZE * SIZE)).max());
        FloatDifference d = FloatDifference.of(
            readFloats(out.resolve(i + ".tensor.f32"), 3 * SIZE * SIZE),
            readFloats(reference.resolve(i + ".tensor.f32"), 3 * SIZE * SIZE));
        maxNormalised = Math.max(maxNormalised, d.max());
        meanNormalised += d.mean() / images.size();
      }
      System.out.printf(Locale.ROOT, "%s vs %s on %d WikiMEL images (Pillow): max %d levels, "
          + "max %.4f normalised, mean %.4f normalised%n", other.id(),
          ImagePreprocessing.REFERENCE_LANCZOS.id(), images.size(), maxLevels, maxNormalised,
          meanNormalised);
      assertTrue(maxLevels > 0, other + " gave the reference's pixels: the choice would not matter");
    }
  }

  private static List<Path> realImages() {
    List<Path> images = TestImages.wikimelImages().orElse(List.of());
    assertFalse(images.isEmpty(),
        () -> "no shared images at " + TestImages.wikimelImageFolderDescription());
    return images;
  }

  /** Runs the reference's {@code method} on {@code images}; returns the folder of its outputs. */
  private static Path runMethod(String label, ImagePreprocessing method, List<Path> images)
      throws Exception {
    Path out = work.resolve("run-" + label + "-" + method.id());
    List<String> args = new ArrayList<>(List.of("run", out.toString(), method.id()));
    images.forEach(p -> args.add(p.toString()));
    runReference(args.toArray(String[]::new));
    return out;
  }

  private Report compare(String label, ImagePreprocessing method, List<Path> images)
      throws Exception {
    Path out = runMethod(label, method, images);

    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < manifest.size(); i++) {
      JsonNode entry = manifest.get(i);
      Path image = Path.of(entry.get("image").asText());
      if (entry.has("error")) {
        fail("Pillow could not read " + image + ": " + entry.get("error").asText());
      }
      rows.add(compareOne(method, image, entry, out, i));
    }
    Report report = new Report(label + " " + method.id(), rows);
    report.print();
    return report;
  }

  private static Row compareOne(ImagePreprocessing method, Path image, JsonNode entry, Path out,
      int index) throws Exception {
    int width = entry.get("width").asInt();
    int height = entry.get("height").asInt();
    byte[] bytes = Files.readAllBytes(image);
    int[] pillowDecoded = readRgb(out.resolve(index + ".decoded.rgb"), width * height);
    int[] pillowResized = readRgb(out.resolve(index + ".resized.rgb"), SIZE * SIZE);
    float[] pillowTensor = readFloats(out.resolve(index + ".tensor.f32"), 3 * SIZE * SIZE);

    BufferedImage decoded = new ImageDecoder(Long.MAX_VALUE, Long.MAX_VALUE).decode(bytes);
    assertEquals(width, decoded.getWidth(), image + " width");
    assertEquals(height, decoded.getHeight(), image + " height");
    int[] javaDecoded = new int[width * height];
    RgbRows rows = DecodedImageRows.of(decoded);
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      rows.read(y, row);
      System.arraycopy(row, 0, javaDecoded, y * width, width);
    }

    return new Row(
        name(image),
        entry.get("mode").asText(),
        width,
        height,
        Difference.of(javaDecoded, pillowDecoded),
        Difference.of(ResizePlan.of(method, width, height, SIZE).resize(
            (y, r) -> System.arraycopy(pillowDecoded, y * width, r, 0, width)), pillowResized),
        FloatDifference.of(preprocessor(method).preprocess(bytes), pillowTensor));
  }

  private static void runReference(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(python.toString(), script.toString()));
    command.addAll(List.of(args));
    run(command, 300);
  }

  private static Path referencePython() throws Exception {
    String property = System.getProperty(PYTHON_PROPERTY);
    if (property != null) {
      return Path.of(property);
    }
    Optional<Path> venvScript = findUpwards("infra/reference-venv.sh");
    assertTrue(venvScript.isPresent(),
        "no -D" + PYTHON_PROPERTY + " and no infra/reference-venv.sh above "
            + Path.of("").toAbsolutePath());
    // Creating the virtualenv the first time installs from PyPI, which takes a while.
    List<String> lines = run(List.of("bash", venvScript.get().toString()), 900);
    assertFalse(lines.isEmpty(), "reference-venv.sh printed no interpreter path");
    return Path.of(lines.get(lines.size() - 1).trim());
  }

  private static Optional<Path> findUpwards(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(relative))) {
        return Optional.of(dir.resolve(relative));
      }
    }
    return Optional.empty();
  }

  /** Runs {@code command}, returning its standard output lines; fails with its error output. */
  private static List<String> run(List<String> command, long timeoutSeconds) throws Exception {
    Path stdout = Files.createTempFile(work, "stdout", ".txt");
    Path stderr = Files.createTempFile(work, "stderr", ".txt");
    Process process = new ProcessBuilder(command)
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(command + " did not finish in " + timeoutSeconds + " s");
    }
    if (process.exitValue() != 0) {
      fail(command + " exited with " + process.exitValue() + ":\n" + Files.readString(stderr));
    }
    return Files.readAllLines(stdout);
  }

  private static int[] readRgb(Path file, int pixels) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(3L * pixels, bytes.length, file + " length");
    int[] rgb = new int[pixels];
    for (int i = 0; i < pixels; i++) {
      rgb[i] = (bytes[3 * i] & 0xFF) << 16 | (bytes[3 * i + 1] & 0xFF) << 8
          | (bytes[3 * i + 2] & 0xFF);
    }
    return rgb;
  }

  private static float[] readFloats(Path file, int count) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(4L * count, bytes.length, file + " length");
    FloatBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] values = new float[count];
    buffer.get(values);
    return values;
  }

  private static String name(Path path) {
    return path.getFileName().toString();
  }

  private static boolean isJpeg(String name) {
    return name.endsWith(".jpg") || name.endsWith(".jpeg");
  }

  /** How two packed 8-bit RGB images differ: channel values that differ, and by how much. */
  private record Difference(int count, int max) {
    static Difference of(int[] actual, int[] expected) {
      assertEquals(expected.length, actual.length, "pixel count");
      int count = 0;
      int max = 0;
      for (int i = 0; i < actual.length; i++) {
        for (int shift = 0; shift < 24; shift += 8) {
          int d = Math.abs(((actual[i] >>> shift) & 0xFF) - ((expected[i] >>> shift) & 0xFF));
          count += d > 0 ? 1 : 0;
          max = Math.max(max, d);
        }
      }
      return new Difference(count, max);
    }

    @Override
    public String toString() {
      return count == 0 ? "identical" : count + " values, max " + max;
    }
  }

  /** How two tensors differ: values that differ, the largest and the mean absolute difference. */
  private record FloatDifference(int count, double max, double mean) {
    static FloatDifference of(float[] actual, float[] expected) {
      assertEquals(expected.length, actual.length, "tensor length");
      int count = 0;
      double max = 0;
      double sum = 0;
      for (int i = 0; i < actual.length; i++) {
        double d = Math.abs((double) actual[i] - expected[i]);
        count += d > 0 ? 1 : 0;
        max = Math.max(max, d);
        sum += d;
      }
      return new FloatDifference(count, max, sum / actual.length);
    }
  }

  private record Row(
      String image,
      String mode,
      int width,
      int height,
      Difference decode,
      Difference resize,
      FloatDifference endToEnd) {}

  private record Report(String label, List<Row> rows) {
    void print() {
      System.out.printf("%nJava vs Pillow, %s images (decode and resize in 8-bit levels)%n", label);
      System.out.printf("%-28s %-5s %11s  %-24s %-24s %s%n",
          "image", "mode", "size", "decode", "resize (same pixels)", "end to end max / mean");
      for (Row r : rows) {
        System.out.printf("%-28s %-5s %11s  %-24s %-24s %.3g / %.3g (%d values)%n",
            r.image(), r.mode(), r.width() + "x" + r.height(), r.decode(), r.resize(),
            r.endToEnd().max(), r.endToEnd().mean(), r.endToEnd().count());
      }
      System.out.printf("%s: resize max diff %d levels, end-to-end max diff %.3g%n", label,
          rows.stream().mapToInt(r -> r.resize().max()).max().orElse(0),
          rows.stream().mapToDouble(r -> r.endToEnd().max()).max().orElse(0));
    }

    void assertWithinBounds() {
      for (Row r : rows) {
        assertEquals(0, r.resize().count(), r.image() + " resize: " + r.resize());
        if (isJpeg(r.image())) {
          assertTrue(r.decode().max() <= 8, r.image() + " decode: " + r.decode());
          assertTrue(r.endToEnd().max() <= JPEG_MAX_DIFF, r.image() + " end to end: " + r);
          assertTrue(r.endToEnd().mean() <= JPEG_MEAN_DIFF, r.image() + " end to end: " + r);
        } else {
          assertEquals(0, r.decode().count(), r.image() + " decode: " + r.decode());
          assertTrue(r.endToEnd().max() <= LOSSLESS_MAX_DIFF, r.image() + " end to end: " + r);
        }
      }
    }
  }
}
