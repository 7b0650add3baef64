package dev.mmel.core;

/**
 * One item as a model consumes it: padded token ids, and image pixels (null when the item has
 * no image, which the model feeds as its missing-image input).
 */
public record PreparedInput(int[] tokenIds, float[] pixels) {
  public PreparedInput {
    if (tokenIds == null || tokenIds.length == 0) {
      throw new IllegalArgumentException("token ids must not be empty");
    }
  }

  public boolean hasImage() {
    return pixels != null;
  }
}
