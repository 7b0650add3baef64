package dev.mmel.serving.grpc;

import dev.mmel.retriever.EntityFilter;

/**
 * What one call may ask for, checked before any work: text lengths in UTF-8 bytes, image bytes
 * (pixels are checked by the model's image decoder, at {@code maxImagePixels}), answers,
 * candidates, filter QIDs and mentions per call; and the defaults for options left at 0. Made
 * with {@link #builder()}; reported by GetInfo.
 */
public record ServingLimits(int maxSurfaceBytes, int maxSentenceBytes, int maxDescriptionBytes,
    int maxImageBytes, long maxImagePixels, int maxTopK, int maxCandidatesK, int maxFilterQids,
    int maxMentionsPerCall, int defaultTopK, int defaultCandidatesK, int maxMessageBytes) {

  public ServingLimits {
    range("max_surface_bytes", maxSurfaceBytes, 1, 65_536);
    range("max_sentence_bytes", maxSentenceBytes, 1, 1 << 20);
    range("max_description_bytes", maxDescriptionBytes, 1, 1 << 20);
    range("max_image_bytes", maxImageBytes, 1, 64 << 20);
    if (maxImagePixels < 1) {
      throw new IllegalArgumentException("max_image_pixels must be > 0, got " + maxImagePixels);
    }
    range("max_top_k", maxTopK, 1, 10_000);
    range("max_candidates_k", maxCandidatesK, maxTopK, 10_000);
    range("max_filter_qids", maxFilterQids, 0, EntityFilter.MAX_QIDS);
    range("max_mentions_per_call", maxMentionsPerCall, 1, 10_000);
    range("default_top_k", defaultTopK, 1, maxTopK);
    range("default_candidates_k", defaultCandidatesK, defaultTopK, maxCandidatesK);
    range("max_message_bytes", maxMessageBytes, maxImageBytes, Integer.MAX_VALUE);
  }

  private static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(field + " must be within " + min + ".." + max
          + ", got " + value);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Defaults: surface 512 B, sentence 8 KiB, description 2 KiB, image 10 MiB and 40 MP (the
   * model's decoder), top_k up to 100 (default 5), candidates_k up to 1,000 (default 100),
   * 10,000 filter QIDs, 256 mentions per call, 32 MiB per request message (gRPC refuses a
   * larger one before it is read).
   */
  public static final class Builder {
    private int maxSurfaceBytes = 512;
    private int maxSentenceBytes = 8192;
    private int maxDescriptionBytes = 2048;
    private int maxImageBytes = 10 << 20;
    private long maxImagePixels = 40_000_000L;
    private int maxTopK = 100;
    private int maxCandidatesK = 1000;
    private int maxFilterQids = EntityFilter.MAX_QIDS;
    private int maxMentionsPerCall = 256;
    private int defaultTopK = 5;
    private int defaultCandidatesK = 50;
    private int maxMessageBytes = 32 << 20;

    private Builder() {}

    public Builder maxSurfaceBytes(int bytes) {
      this.maxSurfaceBytes = bytes;
      return this;
    }

    public Builder maxSentenceBytes(int bytes) {
      this.maxSentenceBytes = bytes;
      return this;
    }

    public Builder maxDescriptionBytes(int bytes) {
      this.maxDescriptionBytes = bytes;
      return this;
    }

    public Builder maxImageBytes(int bytes) {
      this.maxImageBytes = bytes;
      return this;
    }

    public Builder maxImagePixels(long pixels) {
      this.maxImagePixels = pixels;
      return this;
    }

    public Builder maxTopK(int k) {
      this.maxTopK = k;
      return this;
    }

    public Builder maxCandidatesK(int k) {
      this.maxCandidatesK = k;
      return this;
    }

    public Builder maxFilterQids(int qids) {
      this.maxFilterQids = qids;
      return this;
    }

    public Builder maxMentionsPerCall(int mentions) {
      this.maxMentionsPerCall = mentions;
      return this;
    }

    public Builder defaultTopK(int k) {
      this.defaultTopK = k;
      return this;
    }

    public Builder defaultCandidatesK(int k) {
      this.defaultCandidatesK = k;
      return this;
    }

    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    public ServingLimits build() {
      return new ServingLimits(maxSurfaceBytes, maxSentenceBytes, maxDescriptionBytes,
          maxImageBytes, maxImagePixels, maxTopK, maxCandidatesK, maxFilterQids,
          maxMentionsPerCall, defaultTopK, defaultCandidatesK, maxMessageBytes);
    }
  }
}
