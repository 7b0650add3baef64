package dev.mmel.model.image;

import dev.mmel.model.config.ModelConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns an encoded image into CLIP's pixel input: a channel-major [3, size, size] float tensor.
 * Decoding and conversion to RGB reproduce Pillow's {@code Image.open(f).convert("RGB")}; the
 * resize is the config's {@link dev.mmel.model.config.ImagePreprocessing}, bit-exact with Pillow:
 * {@code resize((size, size), Image.LANCZOS)} as the reference MMoE data loader does, the same
 * with BICUBIC, or CLIPImageProcessor's shorter side to size with BICUBIC and centre crop. The
 * 8-bit result is scaled to [0, 1] and normalised per channel with {@code (v - mean) / std} in
 * float arithmetic.
 *
 * <p>A missing image ({@code null}) is all zeros. An image that is present but cannot be used
 * throws {@link InvalidImageException}; it is never silently replaced by zeros.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {
  private final ImagePreprocessorConfig config;
  private final ImageDecoder decoder;
  /** {@code normalised[c][v]}: the model input for 8-bit value v in channel c. */
  private final float[][] normalised;

  public ImagePreprocessor(ImagePreprocessorConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.decoder = new ImageDecoder(config.maxPixels(), config.maxBytes());
    this.normalised = new float[3][256];
    for (int c = 0; c < 3; c++) {
      float mean = config.mean().get(c);
      float std = config.std().get(c);
      for (int v = 0; v < 256; v++) {
        // Same float operations as the reference's float32 (v / 255 - mean) / std.
        normalised[c][v] = (v / 255f - mean) / std;
      }
    }
  }

  /** The preprocessor the model with this config was trained with and must be served with. */
  public static ImagePreprocessor forConfig(ModelConfig config) {
    return new ImagePreprocessor(ImagePreprocessorConfig.forModel(config));
  }

  public ImagePreprocessorConfig config() {
    return config;
  }

  /** Number of floats in one preprocessed image: 3 x size x size. */
  public int outputLength() {
    return config.outputLength();
  }

  /** A fresh [3, size, size] tensor for {@code imageBytes}, all zeros when it is null. */
  public float[] preprocess(byte[] imageBytes) throws InvalidImageException {
    float[] out = new float[outputLength()];
    preprocessInto(imageBytes, out, 0);
    return out;
  }

  /**
   * The tensor for the image file at {@code path}, all zeros when {@code path} is null. The file
   * size is checked against the byte limit before the file is read.
   *
   * @throws IOException if the file cannot be read
   */
  public float[] preprocess(Path path) throws IOException, InvalidImageException {
    if (path == null) {
      return missingImage();
    }
    long size = Files.size(path);
    if (size > config.maxBytes()) {
      throw new InvalidImageException(
          path + " is " + size + " bytes, over the limit of " + config.maxBytes() + " bytes");
    }
    return preprocess(Files.readAllBytes(path));
  }

  /**
   * Writes the tensor for {@code imageBytes} (zeros when null) into {@code dst[offset ..
   * offset + outputLength())}, so that a batch can be filled in place. On failure {@code dst} is
   * left unchanged.
   */
  public void preprocessInto(byte[] imageBytes, float[] dst, int offset)
      throws InvalidImageException {
    Objects.checkFromIndexSize(offset, outputLength(), dst.length);
    if (imageBytes == null) {
      Arrays.fill(dst, offset, offset + outputLength(), 0f);
      return;
    }
    BufferedImage image = decoder.decode(imageBytes);
    RgbRows rows = DecodedImageRows.of(image);
    ResizePlan plan =
        ResizePlan.of(config.method(), image.getWidth(), image.getHeight(), config.size());
    writeNormalised(plan.resize(rows), dst, offset);
  }

  /** The tensor of a missing image: all zeros. */
  public float[] missingImage() {
    return new float[outputLength()];
  }

  private void writeNormalised(int[] rgb, float[] dst, int offset) {
    int plane = rgb.length;
    float[] red = normalised[0];
    float[] green = normalised[1];
    float[] blue = normalised[2];
    for (int i = 0; i < plane; i++) {
      int p = rgb[i];
      dst[offset + i] = red[(p >>> 16) & 0xFF];
      dst[offset + plane + i] = green[(p >>> 8) & 0xFF];
      dst[offset + 2 * plane + i] = blue[p & 0xFF];
    }
  }
}
