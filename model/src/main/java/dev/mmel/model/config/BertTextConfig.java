package dev.mmel.model.config;

/**
 * Size of a BERT text encoder (the architecture of bge-small-en-v1.5): word + position +
 * token-type embeddings with an embedding LayerNorm, post-LayerNorm blocks, padding mask only.
 * Field names follow Hugging Face's BertConfig. The tower has its own {@code layerNormEps}
 * (BERT's 1e-12) because the model's top-level one belongs to the matcher.
 */
public record BertTextConfig(
    int vocabSize,
    int width,
    int layers,
    int heads,
    int intermediateSize,
    int maxPositions,
    int typeVocabSize,
    Activation activation,
    double layerNormEps) implements TextTowerConfig {

  public BertTextConfig {
    ConfigChecks.positive("text.vocab_size", vocabSize);
    ConfigChecks.positive("text.width", width);
    ConfigChecks.positive("text.layers", layers);
    ConfigChecks.positive("text.heads", heads);
    ConfigChecks.positive("text.intermediate_size", intermediateSize);
    ConfigChecks.positive("text.max_positions", maxPositions);
    ConfigChecks.positive("text.type_vocab_size", typeVocabSize);
    ConfigChecks.divides("text.width", width, "text.heads", heads);
    ConfigChecks.notNull("text.activation", activation);
    ConfigChecks.epsilon("text.layer_norm_eps", layerNormEps);
  }

  @Override
  public TextTowerKind kind() {
    return TextTowerKind.BERT;
  }
}
