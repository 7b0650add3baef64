package dev.mmel.serving.link;

import dev.mmel.core.MentionInput;
import java.time.Instant;

/** A mention to link, how, and by when the answer is due. */
public record LinkRequest(MentionInput mention, LinkOptions options, Instant deadline) {
  public LinkRequest {
    if (mention == null || options == null || deadline == null) {
      throw new IllegalArgumentException("mention, options and deadline are required");
    }
  }
}
