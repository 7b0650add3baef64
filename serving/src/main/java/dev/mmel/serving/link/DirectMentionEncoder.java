package dev.mmel.serving.link;

import dev.mmel.core.LinkingModel;
import dev.mmel.core.PreparedInput;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** One model call per mention, on the caller's thread: for tools and tests. */
public final class DirectMentionEncoder implements MentionEncoder {
  private final LinkingModel model;

  public DirectMentionEncoder(LinkingModel model) {
    this.model = model;
  }

  @Override
  public CompletableFuture<Encoded> encode(PreparedInput mention, Instant deadline) {
    if (Instant.now().isAfter(deadline)) {
      return CompletableFuture.failedFuture(
          new TimeoutException("the deadline passed before the mention was encoded"));
    }
    try {
      return CompletableFuture.completedFuture(
          new Encoded(model.encodeMentions(List.of(mention)), 1));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void close() {}
}
