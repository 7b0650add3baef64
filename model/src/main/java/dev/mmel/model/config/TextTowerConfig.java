package dev.mmel.model.config;

/**
 * Size of the text tower, whatever its architecture. The accessors here are what code outside the
 * tower needs (id range, width for the matcher, positions); each kind adds its own.
 */
public sealed interface TextTowerConfig permits ClipTextConfig, BertTextConfig {
  TextTowerKind kind();

  default TokenizerKind tokenizer() {
    return kind().tokenizer();
  }

  int vocabSize();

  int width();

  int layers();

  int heads();

  int intermediateSize();

  int maxPositions();

  Activation activation();
}
