package dev.mmel.model.image;

import dev.mmel.model.config.ImagePreprocessing;
import dev.mmel.model.config.ModelConfig;

/**
 * How images become model inputs: how they are resized to the square output side, the
 * per-channel normalisation and the limits that protect a server from hostile inputs. Every field
 * is checked here, once.
 *
 * @param method how the decoded image is resized (and cropped) to the output
 * @param size output width and height in pixels
 * @param mean per-channel mean subtracted from values scaled to [0, 1]
 * @param std per-channel standard deviation the centred values are divided by
 * @param maxPixels largest width x height accepted, checked from the header before decoding
 * @param maxBytes largest encoded image accepted
 */
public record ImagePreprocessorConfig(
    ImagePreprocessing method, int size, PerChannel mean, PerChannel std, long maxPixels,
    long maxBytes) {

  /** Largest output side; keeps the 3 x size x size output far inside one Java array. */
  public static final int MAX_SIZE = 4096;

  /** Largest pixel limit: ImageIO holds a decoded image in one array, up to 4 samples a pixel. */
  public static final long MAX_PIXELS_LIMIT = (Integer.MAX_VALUE - 8) / 4;

  /** Largest byte limit: the encoded image is held as one byte array. */
  public static final long MAX_BYTES_LIMIT = Integer.MAX_VALUE - 8;

  public ImagePreprocessorConfig {
    if (method == null) {
      throw new IllegalArgumentException("method is required");
    }
    if (size < 1 || size > MAX_SIZE) {
      throw new IllegalArgumentException(
          "size must be in [1, " + MAX_SIZE + "], got " + size);
    }
    if (mean == null || !mean.allFinite()) {
      throw new IllegalArgumentException("mean must be three finite values, got " + mean);
    }
    if (std == null || !std.allFiniteAndPositive()) {
      throw new IllegalArgumentException("std must be three finite values > 0, got " + std);
    }
    if (maxPixels < 1 || maxPixels > MAX_PIXELS_LIMIT) {
      throw new IllegalArgumentException(
          "maxPixels must be in [1, " + MAX_PIXELS_LIMIT + "], got " + maxPixels);
    }
    if (maxBytes < 1 || maxBytes > MAX_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "maxBytes must be in [1, " + MAX_BYTES_LIMIT + "], got " + maxBytes);
    }
  }

  /**
   * The model's own preprocessing: its config's {@code preprocessing.image} at its vision tower's
   * input size, with CLIP's normalisation and the default limits of {@link #clip}.
   */
  public static ImagePreprocessorConfig forModel(ModelConfig config) {
    return clip(config.preprocessing().image(), config.vision().imageSize());
  }

  /**
   * CLIP's normalisation after resizing with {@code method} to {@code size}, with limits of 40
   * megapixels (a 50 MP camera frame is rejected, a 6000 x 6000 scan is not) and 20 MiB.
   */
  public static ImagePreprocessorConfig clip(ImagePreprocessing method, int size) {
    return new ImagePreprocessorConfig(
        method,
        size,
        new PerChannel(0.48145466f, 0.4578275f, 0.40821073f),
        new PerChannel(0.26862954f, 0.26130258f, 0.27577711f),
        40_000_000L,
        20L * 1024 * 1024);
  }

  public ImagePreprocessorConfig withMaxPixels(long newMaxPixels) {
    return new ImagePreprocessorConfig(method, size, mean, std, newMaxPixels, maxBytes);
  }

  public ImagePreprocessorConfig withMaxBytes(long newMaxBytes) {
    return new ImagePreprocessorConfig(method, size, mean, std, maxPixels, newMaxBytes);
  }

  /** Length of one preprocessed image: channel-major [3, size, size]. */
  public int outputLength() {
    return 3 * size * size;
  }

  /** One value for each of the red, green and blue channels. */
  public record PerChannel(float red, float green, float blue) {

    /** The value of channel 0 (red), 1 (green) or 2 (blue). */
    public float get(int channel) {
      return switch (channel) {
        case 0 -> red;
        case 1 -> green;
        case 2 -> blue;
        default -> throw new IndexOutOfBoundsException("channel must be 0, 1 or 2, got " + channel);
      };
    }

    boolean allFinite() {
      return Float.isFinite(red) && Float.isFinite(green) && Float.isFinite(blue);
    }

    boolean allFiniteAndPositive() {
      return allFinite() && red > 0 && green > 0 && blue > 0;
    }
  }
}
