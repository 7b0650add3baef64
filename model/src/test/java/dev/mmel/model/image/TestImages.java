package dev.mmel.model.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Encoded test images, and where the shared real images live. */
final class TestImages {
  /** System property naming the shared data folder, the one holding {@code wikimel/images}. */
  static final String SHARED_DATA_PROPERTY = "mmel.shared.data";

  private TestImages() {}

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format + " and " + image);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  static BufferedImage filled(int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }

  /** Deterministic structured content: gradients, stripes and a checkerboard. */
  static int patternPixel(int x, int y) {
    int r = (x * 255 / 97) & 0xFF;
    int g = ((x / 5 + y / 3) % 2) * 200 + 20;
    int b = (x * 31 + y * 17 + x * y) & 0xFF;
    return r << 16 | g << 8 | b;
  }

  static BufferedImage pattern(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, patternPixel(x, y));
      }
    }
    return image;
  }

  /** A copy of {@code png} whose IHDR declares {@code width x height}, with a valid CRC. */
  static byte[] withPngSize(byte[] png, int width, int height) {
    byte[] patched = png.clone();
    ByteBuffer bytes = ByteBuffer.wrap(patched);
    bytes.putInt(16, width);
    bytes.putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(patched, 12, 17); // chunk type and the 13 IHDR data bytes
    bytes.putInt(29, (int) crc.getValue());
    return patched;
  }

  /** A copy of {@code jpeg} whose baseline frame header (SOF0) declares {@code width x height}. */
  static byte[] withJpegSize(byte[] jpeg, int width, int height) {
    byte[] patched = jpeg.clone();
    for (int i = 2; i + 8 < patched.length; i++) {
      if ((patched[i] & 0xFF) == 0xFF && (patched[i + 1] & 0xFF) == 0xC0) {
        ByteBuffer bytes = ByteBuffer.wrap(patched);
        bytes.putShort(i + 5, (short) height);
        bytes.putShort(i + 7, (short) width);
        return patched;
      }
    }
    throw new IllegalArgumentException("no SOF0 marker");
  }

  /** The shared real images, if the shared data folder can be found. */
  static Optional<List<Path>> wikimelImages() {
    return wikimelImageFolder().map(TestImages::jpegsIn);
  }

  /** Where the shared real images are looked for, for skip messages. */
  static String wikimelImageFolderDescription() {
    return wikimelImageFolder()
        .map(Path::toString)
        .orElse(
            "shared/data/wikimel/images above " + Path.of("").toAbsolutePath()
                + " (or -D" + SHARED_DATA_PROPERTY + "=<shared/data>)");
  }

  private static Optional<Path> wikimelImageFolder() {
    String property = System.getProperty(SHARED_DATA_PROPERTY);
    if (property != null) {
      Path folder = Path.of(property, "wikimel", "images");
      return Files.isDirectory(folder) ? Optional.of(folder) : Optional.empty();
    }
    // Tests run in the module folder; the shared folder sits beside the repository root.
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path folder = dir.resolve("shared/data/wikimel/images");
      if (Files.isDirectory(folder)) {
        return Optional.of(folder);
      }
    }
    return Optional.empty();
  }

  private static List<Path> jpegsIn(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
