package dev.mmel.model.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes encoded image bytes with ImageIO, refusing anything that could exhaust memory before it
 * is allocated: the byte size is checked first, and the pixel count is read from the header and
 * checked before the raster is decoded.
 */
final class ImageDecoder {
  /** ImageIO format names accepted; Pillow reads all of them too. */
  private static final List<String> SUPPORTED_FORMATS = List.of("jpeg", "png", "gif", "bmp");

  private static final String SUPPORTED_LIST = "supported formats are JPEG, PNG, GIF and BMP";

  /**
   * ImageIO read warnings about metadata only, which leave the pixels intact and which Pillow
   * ignores as well; any other warning means damaged image data.
   */
  private static final List<String> HARMLESS_WARNINGS =
      List.of(
          "JFIF markers not allowed in JFIF JPEG thumbnail",
          "Embedded color profile is invalid",
          "Warning: unknown JFIF revision number");

  private final long maxPixels;
  private final long maxBytes;

  ImageDecoder(long maxPixels, long maxBytes) {
    this.maxPixels = maxPixels;
    this.maxBytes = maxBytes;
  }

  BufferedImage decode(byte[] bytes) throws InvalidImageException {
    if (bytes.length == 0) {
      throw new InvalidImageException("image is empty (0 bytes)");
    }
    if (bytes.length > maxBytes) {
      throw new InvalidImageException(
          "image is " + bytes.length + " bytes, over the limit of " + maxBytes + " bytes");
    }
    ImageReader reader = readerFor(stream(bytes), bytes);
    String format = formatName(reader).toUpperCase(Locale.ROOT);
    try {
      byte[] encoded = "JPEG".equals(format) ? JpegIccProfiles.strip(bytes) : bytes;
      // Metadata is ignored: Pillow does not apply it, and compressed text chunks could inflate.
      reader.setInput(stream(encoded), true, true);
      Size size = declaredSize(reader, format, bytes);
      return readPixels(reader, format, size);
    } finally {
      reader.dispose();
    }
  }

  /**
   * A memory cache, so that no temporary file is written whatever ImageIO.setUseCache says; it
   * holds nothing but heap memory, so it is left to the garbage collector rather than closed.
   */
  private static ImageInputStream stream(byte[] bytes) {
    return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
  }

  private static ImageReader readerFor(ImageInputStream input, byte[] bytes)
      throws InvalidImageException {
    List<String> recognised = new ArrayList<>();
    Iterator<ImageReader> readers = ImageIO.getImageReaders(input);
    while (readers.hasNext()) {
      ImageReader reader = readers.next();
      if (reader == null) {
        continue;
      }
      String format = formatName(reader);
      if (SUPPORTED_FORMATS.contains(format)) {
        return reader;
      }
      recognised.add(format);
      reader.dispose();
    }
    if (recognised.isEmpty()) {
      throw new InvalidImageException(
          "unrecognised image format (" + bytes.length + " bytes starting "
              + hexPrefix(bytes) + "); " + SUPPORTED_LIST);
    }
    throw new InvalidImageException(
        "unsupported image format " + recognised.get(0).toUpperCase(Locale.ROOT) + "; "
            + SUPPORTED_LIST);
  }

  private static String formatName(ImageReader reader) {
    try {
      return reader.getFormatName().toLowerCase(Locale.ROOT);
    } catch (IOException e) {
      return "unknown";
    }
  }

  private Size declaredSize(ImageReader reader, String format, byte[] bytes)
      throws InvalidImageException {
    int width;
    int height;
    try {
      width = reader.getWidth(0);
      height = reader.getHeight(0);
    } catch (IOException | RuntimeException e) {
      // ImageIO rejects a PNG declaring a zero side without saying which; the IHDR tells.
      Optional<Size> png =
          "PNG".equals(format) ? pngHeaderSize(bytes).filter(Size::isEmpty) : Optional.empty();
      if (png.isPresent()) {
        width = png.get().width();
        height = png.get().height();
      } else {
        throw new InvalidImageException(
            format + " header is truncated or corrupt (" + bytes.length + " bytes): "
                + describe(e), e);
      }
    }
    if (width <= 0 || height <= 0) {
      throw new InvalidImageException(
          format + " header declares " + width + "x" + height
              + " pixels; width and height must be positive");
    }
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw new InvalidImageException(
          format + " image is " + width + "x" + height + " = " + pixels
              + " pixels, over the limit of " + maxPixels + " pixels");
    }
    return new Size(width, height);
  }

  private static BufferedImage readPixels(ImageReader reader, String format, Size size)
      throws InvalidImageException {
    String described = format + " image (" + size.width() + "x" + size.height() + ")";
    List<String> warnings = new ArrayList<>();
    BufferedImage image;
    try {
      if (!reader.getImageTypes(0).hasNext()) {
        throw new InvalidImageException(
            described + " uses a colour encoding ImageIO cannot decode, such as CMYK or YCCK");
      }
      reader.addIIOReadWarningListener(
          (source, warning) -> {
            if (HARMLESS_WARNINGS.stream().noneMatch(warning::startsWith)) {
              warnings.add(warning);
            }
          });
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      // ImageIO's readers throw unchecked exceptions on some malformed inputs as well.
      throw new InvalidImageException(
          described + " is truncated or corrupt: " + describe(e), e);
    }
    if (!warnings.isEmpty()) {
      // ImageIO reports a truncated JPEG only as a warning, filling the missing rows with grey.
      throw new InvalidImageException(
          described + " is truncated or corrupt: " + String.join("; ", warnings));
    }
    return image;
  }

  /** The IHDR width and height of a PNG, as signed ints, if the bytes reach that far. */
  private static Optional<Size> pngHeaderSize(byte[] bytes) {
    // Signature (8 bytes), IHDR length and type (8 bytes), then width and height, big-endian.
    if (bytes.length < 24) {
      return Optional.empty();
    }
    ByteBuffer header = ByteBuffer.wrap(bytes);
    return Optional.of(new Size(header.getInt(16), header.getInt(20)));
  }

  /** The messages of an exception and its causes, which ImageIO often nests. */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
    }
    return text.toString();
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder hex = new StringBuilder();
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      hex.append(String.format("%02x", bytes[i] & 0xFF));
    }
    return hex.toString();
  }

  private record Size(int width, int height) {
    boolean isEmpty() {
      return width <= 0 || height <= 0;
    }
  }
}
