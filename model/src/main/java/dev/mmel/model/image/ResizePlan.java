package dev.mmel.model.image;

import dev.mmel.model.config.ImagePreprocessing;

/**
 * Where the pixels of one square model input come from: the taps across and down the decoded
 * image for the chosen {@link ImagePreprocessing}.
 *
 * @param horizontal taps from the image's columns to the output's
 * @param vertical taps from the image's rows to the output's
 */
record ResizePlan(ResampleWeights horizontal, ResampleWeights vertical) {

  /**
   * The plan for a {@code width x height} image and a {@code size x size} output.
   *
   * @throws InvalidImageException if the CLIP processor's resize would make the long side longer
   *     than an int can count (an aspect ratio above about ten million)
   */
  static ResizePlan of(ImagePreprocessing method, int width, int height, int size)
      throws InvalidImageException {
    return switch (method) {
      case REFERENCE_LANCZOS -> stretched(ResampleFilter.LANCZOS, width, height, size);
      case DIRECT_BICUBIC -> stretched(ResampleFilter.BICUBIC, width, height, size);
      case CLIP_BICUBIC_CROP -> centreCrop(width, height, size);
    };
  }

  private static ResizePlan stretched(ResampleFilter filter, int width, int height, int size) {
    return new ResizePlan(ResampleWeights.of(filter, width, size),
        ResampleWeights.of(filter, height, size));
  }

  /**
   * Hugging Face's CLIPImageProcessor: the shorter side to {@code size}, the longer to {@code
   * int(size * long / short)} (its {@code get_resize_output_image_size}), then the window
   * {@code (resized - size) // 2} from the top and left ({@code center_crop}). Only that window
   * is computed.
   */
  private static ResizePlan centreCrop(int width, int height, int size)
      throws InvalidImageException {
    int shortSide = Math.min(width, height);
    int longSide = Math.max(width, height);
    // Exact: the product stays below 2^53, and the division rounds once, as Python's int / int.
    long resizedLong = (long) ((double) ((long) size * longSide) / shortSide);
    if (resizedLong > Integer.MAX_VALUE) {
      throw new InvalidImageException("a " + width + "x" + height + " image would be resized to "
          + resizedLong + " pixels on its long side, more than " + Integer.MAX_VALUE);
    }
    int resizedWidth = width <= height ? size : (int) resizedLong;
    int resizedHeight = width <= height ? (int) resizedLong : size;
    return new ResizePlan(
        ResampleWeights.window(ResampleFilter.BICUBIC, width, resizedWidth,
            (resizedWidth - size) / 2, size),
        ResampleWeights.window(ResampleFilter.BICUBIC, height, resizedHeight,
            (resizedHeight - size) / 2, size));
  }

  /** The output, {@code horizontal.outCount() x vertical.outCount()} packed RGB pixels. */
  int[] resize(RgbRows source) {
    return PillowResampler.resizeRows(source, horizontal, vertical);
  }
}
