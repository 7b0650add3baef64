package dev.mmel.pipeline;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.IndexSchema;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * Applies encoded changes to one build of the index: upserts in batches, deletes in their place
 * in the order (buffered upserts go first). Flink calls {@link Writer#flush} at every checkpoint
 * and at the end of input (the index is flushed if anything was written since the last time),
 * and writes are idempotent by QID, so entities replayed after a failure overwrite themselves
 * instead of duplicating.
 */
final class EntityIndexSink implements Sink<EncodedChange> {
  private static final long serialVersionUID = 1L;

  private final IndexTarget target;
  private final String buildId;
  private final String modelVersion;
  private final IndexSchema schema;
  private final int batchSize;

  EntityIndexSink(IndexTarget target, String buildId, String modelVersion, IndexSchema schema,
      int batchSize) {
    this.target = target;
    this.buildId = buildId;
    this.modelVersion = modelVersion;
    this.schema = schema;
    this.batchSize = batchSize;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<EncodedChange> createWriter(InitContext context) {
    EntityIndexStore store = target.open();
    try {
      return new Writer(store, store.openBuild(buildId, modelVersion, schema), batchSize);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  private static final class Writer implements SinkWriter<EncodedChange> {
    private final EntityIndexStore store;
    private final EntityIndex index;
    private final int batchSize;
    private final List<EncodedEntity> buffer = new ArrayList<>();
    private boolean dirty;

    Writer(EntityIndexStore store, EntityIndex index, int batchSize) {
      this.store = store;
      this.index = index;
      this.batchSize = batchSize;
    }

    @Override
    public void write(EncodedChange change, Context context) {
      dirty = true;
      if (change.isDelete()) {
        upsertBuffer();
        index.delete(List.of(change.qid()));
        return;
      }
      buffer.add(change.upsert().toIndexed());
      if (buffer.size() >= batchSize) {
        upsertBuffer();
      }
    }

    @Override
    public void flush(boolean endOfInput) {
      upsertBuffer();
      // An idle refresh job checkpoints every few seconds; a Milvus flush seals a segment each
      // time, so only changes are flushed.
      if (dirty || endOfInput) {
        index.flush();
        dirty = false;
      }
    }

    private void upsertBuffer() {
      if (!buffer.isEmpty()) {
        index.upsert(List.copyOf(buffer));
        buffer.clear();
      }
    }

    @Override
    public void close() {
      try {
        index.close();
      } finally {
        store.close();
      }
    }
  }
}
