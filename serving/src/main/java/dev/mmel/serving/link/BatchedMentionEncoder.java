package dev.mmel.serving.link;

import dev.mmel.core.LinkingModel;
import dev.mmel.core.MentionEncodings;
import dev.mmel.core.PreparedInput;
import dev.mmel.serving.batch.BatchObserver;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.batch.DynamicBatcher;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Mention encoding for the server: concurrent callers' mentions gathered into one call of the
 * model (rows never depend on each other, so batching changes no result).
 */
public final class BatchedMentionEncoder implements MentionEncoder {
  private final DynamicBatcher<PreparedInput, Encoded> batcher;

  public BatchedMentionEncoder(LinkingModel model, BatcherSettings settings,
      BatchObserver observer) {
    this.batcher = DynamicBatcher.start(settings, mentions -> {
      MentionEncodings all = model.encodeMentions(mentions);
      List<Encoded> rows = new ArrayList<>(mentions.size());
      for (int i = 0; i < mentions.size(); i++) {
        rows.add(new Encoded(all.rows(i, i + 1), mentions.size()));
      }
      return rows;
    }, observer);
  }

  @Override
  public CompletableFuture<Encoded> encode(PreparedInput mention, Instant deadline) {
    return batcher.submit(mention, deadline);
  }

  @Override
  public void together(Runnable submissions) {
    batcher.together(submissions);
  }

  /** Mentions waiting for a model call. */
  public int queueDepth() {
    return batcher.queueDepth();
  }

  /** Finishes the queued mentions, then stops. */
  @Override
  public void close() {
    batcher.close();
  }
}
