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
 * Encodes entities with the exported MMoE entity encoder in micro-batches. The model is loaded
 * once per parallel instance (task slot). The batch is flushed before every checkpoint barrier
 * and at the end of input, so no entity waits in an unsnapshotted buffer across a checkpoint.
 */
final class EncodeOperator extends AbstractStreamOperator<EncodedEntity>
    implements OneInputStreamOperator<EntityToEncode, EncodedEntity>, BoundedOneInput {
  static final String ENCODED = "entities.encoded";
  static final String UNREADABLE_IMAGES = "images.unreadable";
  private static final long serialVersionUID = 1L;

  private final EncoderSettings settings;
  private transient MmoeModel model;
  private transient ClipTokenizer tokenizer;
  private transient ImagePreprocessor images;
  private transient List<EntityToEncode> batch;
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
  public void processElement(StreamRecord<EntityToEncode> element) {
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
    int n = batch.size();
    List<String> texts = new ArrayList<>(n);
    float[][] pixels = new float[n][];
    for (int i = 0; i < n; i++) {
      EntityToEncode entity = batch.get(i);
      texts.add(LinkingTexts.entity(entity.name(), entity.description()));
      pixels[i] = image(entity.imagePath());
    }
    EntityEncodings encodings = model.encodeEntities(
        tokenizer.encodeBatch(texts, model.config().contextLength()), pixels);
    for (int i = 0; i < n; i++) {
      EntityEncodings row = encodings.rows(i, i + 1);
      output.collect(new StreamRecord<>(new EncodedEntity(batch.get(i), row.retrieval(),
          row.textC(), row.textQuery(), row.imageC(), row.imageQuery())));
    }
    encoded.add(n);
    batch.clear();
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
