package dev.mmel.pipeline;

import dev.mmel.model.image.ImagePreprocessor;
import dev.mmel.model.image.InvalidImageException;
import dev.mmel.model.runtime.EntityEncodings;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.ClipTokenizer;
import dev.mmel.model.text.LinkingTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Encodes upserted entities with the exported MMoE entity encoder in micro-batches; deletes pass
 * through. Changes leave in the order they came, so a QID's upsert and delete are applied in
 * order. The model is loaded once per parallel instance (task slot). The batch is flushed before
 * every checkpoint barrier and at the end of input, so no change waits in an unsnapshotted
 * buffer across a checkpoint.
 */
final class EncodeOperator extends AbstractStreamOperator<EncodedChange>
    implements OneInputStreamOperator<Change, EncodedChange>, BoundedOneInput {
  static final String ENCODED = "entities.encoded";
  static final String UNREADABLE_IMAGES = "images.unreadable";
  private static final long serialVersionUID = 1L;

  private final EncoderSettings settings;
  private transient MmoeModel model;
  private transient ClipTokenizer tokenizer;
  private transient ImagePreprocessor images;
  private transient List<Change> batch;
  private transient LongCounter encoded;
  private transient LongCounter unreadable;

  EncodeOperator(EncoderSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open() throws Exception {
    super.open();
    model = MmoeModel.load(Path.of(settings.modelDir()),
        new SessionSettings(settings.intraOpThreads(), 0, settings.device()), false);
    tokenizer = ClipTokenizer.load(Path.of(settings.vocab()));
    images = ImagePreprocessor.clip();
    batch = new ArrayList<>(settings.batchSize());
    encoded = getRuntimeContext().getLongCounter(ENCODED);
    unreadable = getRuntimeContext().getLongCounter(UNREADABLE_IMAGES);
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
    List<EntityToEncode> upserts = new ArrayList<>(batch.size());
    for (Change change : batch) {
      if (!change.isDelete()) {
        upserts.add(change.entity());
      }
    }
    EntityEncodings encodings = upserts.isEmpty() ? null : encode(upserts);
    int row = 0;
    for (Change change : batch) {
      if (change.isDelete()) {
        output.collect(new StreamRecord<>(new EncodedChange(change.qid(), null)));
      } else {
        EntityEncodings one = encodings.rows(row, row + 1);
        row++;
        output.collect(new StreamRecord<>(new EncodedChange(change.qid(),
            new EncodedEntity(change.entity(), one.retrieval(), one.textC(), one.textQuery(),
                one.imageC(), one.imageQuery()))));
      }
    }
    encoded.add(upserts.size());
    batch.clear();
  }

  private EntityEncodings encode(List<EntityToEncode> entities) {
    int n = entities.size();
    List<String> texts = new ArrayList<>(n);
    float[][] pixels = new float[n][];
    for (int i = 0; i < n; i++) {
      EntityToEncode entity = entities.get(i);
      texts.add(LinkingTexts.entity(entity.name(), entity.description()));
      pixels[i] = image(entity.imagePath());
    }
    return model.encodeEntities(
        tokenizer.encodeBatch(texts, model.config().contextLength()), pixels);
  }

  /** An unreadable image counts and falls back to none (zeros), as a missing one does. */
  private float[] image(String path) {
    if (path == null) {
      return null;
    }
    try {
      return images.preprocess(Path.of(path));
    } catch (IOException | InvalidImageException e) {
      unreadable.add(1);
      return null;
    }
  }

  @Override
  public void close() throws Exception {
    if (model != null) {
      model.close();
    }
    super.close();
  }
}
