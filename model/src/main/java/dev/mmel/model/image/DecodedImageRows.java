package dev.mmel.model.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Reads a decoded image's rows as 8-bit RGB the way Pillow's {@code convert("RGB")} does: grey is
 * replicated into the three channels, alpha is dropped rather than composited, palettes are
 * expanded, and 16-bit samples keep their high byte. That last is Pillow's rule for 16-bit RGB and
 * RGBA; for 16-bit grey Pillow instead clamps every value above 255 to white, which is deliberately
 * not copied because it erases the image.
 *
 * <p>Samples are read from the raster rather than through {@link BufferedImage#getRGB}, because
 * that converts colour spaces: it would brighten greyscale images (Java's grey space is linear),
 * which Pillow does not. Only packed sRGB pixels, where it converts nothing, go through getRGB.
 */
final class DecodedImageRows {
  private DecodedImageRows() {}

  static RgbRows of(BufferedImage image) throws InvalidImageException {
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    if (model instanceof IndexColorModel palette) {
      return paletteRows(raster, palette);
    }
    if (model instanceof ComponentColorModel) {
      return componentRows(raster, model);
    }
    if (model instanceof DirectColorModel
        && model.getColorSpace().isCS_sRGB()
        && !model.isAlphaPremultiplied()) {
      // With sRGB components and straight alpha, getRGB only rescales fields; nothing to convert.
      return (y, row) -> {
        image.getRGB(0, y, row.length, 1, row, 0, row.length);
        for (int x = 0; x < row.length; x++) {
          row[x] &= 0xFFFFFF;
        }
      };
    }
    throw unsupported(model);
  }

  private static RgbRows paletteRows(Raster raster, IndexColorModel palette) {
    // Sized for every index the pixel depth can hold: indices past the palette read as black.
    int[] colours = new int[1 << palette.getPixelSize()];
    for (int i = 0; i < Math.min(palette.getMapSize(), colours.length); i++) {
      colours[i] = palette.getRGB(i) & 0xFFFFFF;
    }
    return (y, row) -> {
      raster.getSamples(0, y, row.length, 1, 0, row);
      for (int x = 0; x < row.length; x++) {
        row[x] = colours[row[x]];
      }
    };
  }

  private static RgbRows componentRows(Raster raster, ColorModel model)
      throws InvalidImageException {
    int colourType = model.getColorSpace().getType();
    int transferType = model.getTransferType();
    if (transferType != DataBuffer.TYPE_BYTE && transferType != DataBuffer.TYPE_USHORT) {
      throw unsupported(model);
    }
    int shift = transferType == DataBuffer.TYPE_USHORT ? 8 : 0;
    if (colourType == ColorSpace.TYPE_GRAY && model.getNumColorComponents() == 1) {
      return (y, row) -> {
        raster.getSamples(0, y, row.length, 1, 0, row);
        for (int x = 0; x < row.length; x++) {
          int v = row[x] >>> shift;
          row[x] = v << 16 | v << 8 | v;
        }
      };
    }
    if (colourType == ColorSpace.TYPE_RGB && model.getNumColorComponents() == 3) {
      int[] green = new int[raster.getWidth()];
      int[] blue = new int[raster.getWidth()];
      return (y, row) -> {
        // Called from one thread per decoded image, so the scratch rows can be reused.
        raster.getSamples(0, y, row.length, 1, 0, row);
        raster.getSamples(0, y, row.length, 1, 1, green);
        raster.getSamples(0, y, row.length, 1, 2, blue);
        for (int x = 0; x < row.length; x++) {
          row[x] = (row[x] >>> shift) << 16 | (green[x] >>> shift) << 8 | (blue[x] >>> shift);
        }
      };
    }
    throw unsupported(model);
  }

  private static InvalidImageException unsupported(ColorModel model) {
    return new InvalidImageException(
        "unsupported pixel layout: "
            + colourSpaceName(model.getColorSpace().getType())
            + " with "
            + model.getNumComponents()
            + " channels in "
            + model.getPixelSize()
            + " bits per pixel; supported are grey, RGB and palette images, with or without"
            + " alpha, of 8 or 16 bits per channel");
  }

  private static String colourSpaceName(int type) {
    return switch (type) {
      case ColorSpace.TYPE_GRAY -> "grey";
      case ColorSpace.TYPE_RGB -> "RGB";
      case ColorSpace.TYPE_CMYK -> "CMYK";
      case ColorSpace.TYPE_YCbCr -> "YCbCr";
      default -> "colour space type " + type;
    };
  }
}
