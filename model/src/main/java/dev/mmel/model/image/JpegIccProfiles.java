package dev.mmel.model.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Removes embedded ICC profiles (APP2 "ICC_PROFILE" segments) from a JPEG. ImageIO's JPEG reader
 * converts an image with a profile to sRGB, while Pillow ignores the profile; without it, ImageIO
 * returns the samples as stored. Asking the reader for the profile's own colour space instead is
 * not reliable: it rebuilds that space on every read and then rejects the one it offered before.
 */
final class JpegIccProfiles {
  private static final int APP2 = 0xE2;
  private static final int START_OF_SCAN = 0xDA;
  private static final byte[] ICC_SIGNATURE = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);

  private JpegIccProfiles() {}

  /**
   * {@code jpeg} without its ICC profile segments, or {@code jpeg} itself when it has none or its
   * header cannot be parsed, in which case the decoder reports the damage.
   */
  static byte[] strip(byte[] jpeg) {
    if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
      return jpeg;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(jpeg.length);
    out.write(jpeg, 0, 2);
    boolean stripped = false;
    int pos = 2;
    // Header segments are FF, marker, 2-byte length including itself; entropy data follows SOS.
    while (pos + 4 <= jpeg.length && (jpeg[pos] & 0xFF) == 0xFF) {
      int marker = jpeg[pos + 1] & 0xFF;
      if (marker == START_OF_SCAN) {
        break;
      }
      int end = pos + 2 + ((jpeg[pos + 2] & 0xFF) << 8 | (jpeg[pos + 3] & 0xFF));
      if (end > jpeg.length || end < pos + 4) {
        return jpeg;
      }
      if (marker == APP2 && isIccProfile(jpeg, pos + 4, end)) {
        stripped = true;
      } else {
        out.write(jpeg, pos, end - pos);
      }
      pos = end;
    }
    if (!stripped) {
      return jpeg;
    }
    out.write(jpeg, pos, jpeg.length - pos);
    return out.toByteArray();
  }

  private static boolean isIccProfile(byte[] jpeg, int from, int end) {
    return end - from >= ICC_SIGNATURE.length
        && Arrays.equals(
            jpeg, from, from + ICC_SIGNATURE.length, ICC_SIGNATURE, 0, ICC_SIGNATURE.length);
  }
}
