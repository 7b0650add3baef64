package dev.mmel.model.frozen;

import dev.mmel.model.bge.BgeFeatures;
import dev.mmel.model.io.BackboneId;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.runtime.MmoeModel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.model.text.TextTokenizer;
import java.io.IOException;
import java.util.List;

/**
 * A model directory's own text tower, run through its SavedModel's {@code encode_texts}
 * signature on the token ids serving feeds it: a head trained on these features is evaluated and
 * served on the same numbers.
 */
public final class ModelTowerBackbone implements FrozenBackbone {
  private final MmoeModel model;
  private final TextTokenizer tokenizer;
  private final String id;

  private ModelTowerBackbone(MmoeModel model, TextTokenizer tokenizer, String id) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.id = id;
  }

  public static ModelTowerBackbone open(ModelDirectory directory, int threads) throws IOException {
    String id = BackboneId.of(directory);
    MmoeModel model = MmoeModel.load(directory.root(), new SessionSettings(threads, 1, "auto"));
    return new ModelTowerBackbone(model, directory.tokenizer(), id);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int width() {
    return model.config().projectionDim();
  }

  @Override
  public int positions() {
    return model.config().contextLength();
  }

  @Override
  public boolean servedAsExported() {
    return true;
  }

  @Override
  public BgeFeatures encode(List<String> texts) {
    return model.encodeTexts(tokenizer.encodeBatch(texts, positions()));
  }

  @Override
  public void close() {
    model.close();
  }
}
