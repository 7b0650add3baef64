package dev.mmel.model.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * Resizes 8-bit RGB images exactly as Pillow 13's {@code Image.resize(size, filter)} does for mode
 * "RGB", for the BICUBIC and LANCZOS filters: a separable convolution with 22-bit fixed-point
 * weights, the result of each pass rounded and clamped to 8 bits, and a pass skipped when its
 * axis keeps its size. Pixels are packed as {@code 0xRRGGBB} ints, row-major; any bits above the
 * 24 colour bits are ignored.
 *
 * <p>Because of the rounding between passes their order changes the result. Pillow 13 runs the
 * vertical pass first when it removes more than twice as many rows as the horizontal pass removes
 * columns, and the horizontal pass first otherwise (older Pillow always ran horizontal first).
 * That rule was established by comparing both orders against Pillow 13.0.0 on random images of
 * several hundred input and output sizes, including the ties, and is mirrored here. It looks at
 * the sizes of the whole resize, also when only a window of it is computed.
 *
 * <p>Unlike Pillow, neither the source nor the first pass's output is held as a whole image: rows
 * are pulled one at a time (for a decoded image, straight from its raster, so a 40-megapixel photo
 * needs no second 160 MB copy) and each is added, weighted, into the output rows it contributes to.
 * The sums are the same integers added in another order, so the results are identical.
 */
final class PillowResampler {
  private static final int HALF = 1 << (ResampleWeights.PRECISION_BITS - 1);

  private PillowResampler() {}

  /**
   * Returns a new {@code outWidth x outHeight} image resampled with {@code filter} from the
   * {@code width x height} image {@code rgb}.
   */
  static int[] resize(int[] rgb, int width, int height, ResampleFilter filter, int outWidth,
      int outHeight) {
    Objects.requireNonNull(rgb, "rgb");
    if (width > 0 && height > 0 && rgb.length != (long) width * height) {
      throw new IllegalArgumentException(
          "rgb has " + rgb.length + " pixels, expected " + width + "x" + height);
    }
    return resizeRows(arrayRows(rgb, width), ResampleWeights.of(filter, width, outWidth),
        ResampleWeights.of(filter, height, outHeight));
  }

  /**
   * The part of a resize that {@code horizontal} and {@code vertical} cover, as a new
   * {@code horizontal.outCount() x vertical.outCount()} image.
   */
  static int[] resizeRows(RgbRows source, ResampleWeights horizontal, ResampleWeights vertical) {
    int width = horizontal.inSize();
    int height = vertical.inSize();
    int outWidth = horizontal.outCount();
    int outHeight = vertical.outCount();
    boolean verticalFirst = Math.max(height - vertical.outSize(), 0)
        > 2L * Math.max(width - horizontal.outSize(), 0);
    // The vertical pass keeps three int sums per pixel of its output.
    long sums = 3L * (verticalFirst ? width : outWidth) * outHeight;
    if (Math.max(sums, (long) outWidth * outHeight) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "resizing " + width + "x" + height + " to " + outWidth + "x" + outHeight
              + " needs more than one array can hold");
    }
    if (verticalFirst) {
      int[] firstPass = vertical(source, width, vertical);
      return collect(horizontal(arrayRows(firstPass, width), width, horizontal), outWidth,
          outHeight);
    }
    return vertical(horizontal(source, width, horizontal), outWidth, vertical);
  }

  private static RgbRows arrayRows(int[] rgb, int width) {
    return (y, row) -> System.arraycopy(rgb, y * width, row, 0, width);
  }

  private static int[] collect(RgbRows rows, int width, int height) {
    int[] out = new int[width * height];
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      rows.read(y, row);
      System.arraycopy(row, 0, out, y * width, width);
    }
    return out;
  }

  /** The rows of {@code source} resampled across; each row is computed when read. */
  private static RgbRows horizontal(RgbRows source, int width, ResampleWeights weights) {
    if (weights.isWholeIdentity()) {
      return source;
    }
    int outWidth = weights.outCount();
    int[] sourceRow = new int[width];
    return (y, row) -> {
      source.read(y, sourceRow);
      for (int x = 0; x < outWidth; x++) {
        int start = weights.first(x);
        int n = weights.count(x);
        int r = HALF;
        int g = HALF;
        int b = HALF;
        for (int k = 0; k < n; k++) {
          int p = sourceRow[start + k];
          int w = weights.weight(x, k);
          r += ((p >>> 16) & 0xFF) * w;
          g += ((p >>> 8) & 0xFF) * w;
          b += (p & 0xFF) * w;
        }
        row[x] = pack(r, g, b);
      }
    };
  }

  /** The rows {@code weights} covers, resampled down from {@code source}, as a new array. */
  private static int[] vertical(RgbRows source, int width, ResampleWeights weights) {
    if (weights.isWholeIdentity()) {
      return collect(source, width, weights.outCount());
    }
    int outHeight = weights.outCount();
    int[] out = new int[width * outHeight];
    int[] sums = new int[3 * width * outHeight];
    Arrays.fill(sums, HALF);
    int[] row = new int[width];
    int endRow = weights.first(outHeight - 1) + weights.count(outHeight - 1);
    // Each output row reads a window of source rows; both window ends only move forward.
    int lowestOpen = 0;
    for (int s = weights.first(0); s < endRow; s++) {
      source.read(s, row);
      while (weights.first(lowestOpen) + weights.count(lowestOpen) <= s) {
        lowestOpen++;
      }
      for (int y = lowestOpen; y < outHeight && weights.first(y) <= s; y++) {
        // Partial sums may wrap where Pillow's would not; the final int is the same either way.
        addWeighted(row, weights.weight(y, s - weights.first(y)), sums, 3 * width * y);
      }
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = pack(sums[3 * i], sums[3 * i + 1], sums[3 * i + 2]);
    }
    return out;
  }

  private static void addWeighted(int[] row, int weight, int[] sums, int offset) {
    for (int x = 0, i = offset; x < row.length; x++, i += 3) {
      int p = row[x];
      sums[i] += ((p >>> 16) & 0xFF) * weight;
      sums[i + 1] += ((p >>> 8) & 0xFF) * weight;
      sums[i + 2] += (p & 0xFF) * weight;
    }
  }

  private static int pack(int r, int g, int b) {
    return clip8(r) << 16 | clip8(g) << 8 | clip8(b);
  }

  /** Pillow's clip8: an arithmetic shift (floor) of the fixed-point sum, clamped to a byte. */
  private static int clip8(int fixedPoint) {
    int v = fixedPoint >> ResampleWeights.PRECISION_BITS;
    return v < 0 ? 0 : Math.min(v, 255);
  }
}
