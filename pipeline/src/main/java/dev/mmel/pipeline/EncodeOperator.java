package dev.mmel.pipeline;

import dev.mmel.core.EntityEncodings;
import dev.mmel.core.EntityRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Encodes upserted entities with the {@link EntityEncoder} in micro-batches; deletes pass
 * through. Changes leave in the order they came, so a QID's upsert and delete are applied in
 * order. The model is loaded once per parallel instance (task slot). The batch is flushed before
 * every checkpoint barrier and at the end of input, so no change waits in an unsnapshotted
 * buffer across a checkpoint.
 */
final class EncodeOperator extends AbstractStreamOperator<EncodedChange>
    implements OneInputStreamOperator<Change, EncodedChange>, BoundedOneInput {
  static final String ENCODED = "entities.encoded";
  static final String UNREADABLE_IMAGES = "images.unreadable";
  /** Entities encoded without their image, which could not be read. */
  static final OutputTag<UnreadableImage> UNREADABLE = new OutputTag<>("unreadable-images") {};
  private static final long serialVersionUID = 1L;

  private final EncoderSettings settings;
  private transient EntityEncoder encoder;
  private transient List<Change> batch;
  private transient LongCounter encoded;
  private transient LongCounter unreadable;

  EncodeOperator(EncoderSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open() throws Exception {
    super.open();
    batch = new ArrayList<>(settings.batchSize());
    encoded = getRuntimeContext().getLongCounter(ENCODED);
    unreadable = getRuntimeContext().getLongCounter(UNREADABLE_IMAGES);
    encoder = new EntityEncoder(settings, image -> {
      unreadable.add(1);
      output.collect(UNREADABLE, new StreamRecord<>(image));
    });
  }

  @Override
  public void processElement(StreamRecord<Change> element) {
    batch.add(element.getValue());
    if (batch.size() >= settings.batchSize()) {
      encodeBatch();
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) {
    encodeBatch();
  }

  @Override
  public void endInput() {
    encodeBatch();
  }

  private void encodeBatch() {
    if (batch.isEmpty()) {
      return;
    }
    List<EntityRecord> upserts = new ArrayList<>(batch.size());
    for (Change change : batch) {
      if (!change.isDelete()) {
        upserts.add(change.entity().record());
      }
    }
    EntityEncodings encodings = upserts.isEmpty() ? null : encoder.encode(upserts);
    int row = 0;
    for (Change change : batch) {
      if (change.isDelete()) {
        output.collect(new StreamRecord<>(new EncodedChange(change.qid(), null)));
      } else {
        output.collect(new StreamRecord<>(new EncodedChange(change.qid(),
            EncodedRow.of(change.entity(), encodings, row++))));
      }
    }
    encoded.add(upserts.size());
    batch.clear();
  }

  @Override
  public void close() throws Exception {
    if (encoder != null) {
      encoder.close();
    }
    super.close();
  }
}
