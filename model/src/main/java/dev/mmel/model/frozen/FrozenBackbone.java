package dev.mmel.model.frozen;

import dev.mmel.model.bge.BgeFeatures;
import java.util.List;

/**
 * A text backbone whose weights do not train: what the frozen regime caches features from. Two
 * exist: the int8 bge-small ONNX model (the first experiments' backbone, no model directory) and
 * a model directory's own text tower (whose trained head then exports as a model directory).
 */
public interface FrozenBackbone extends AutoCloseable {
  /** Names the weights exactly: caches of different weights never mix. */
  String id();

  int width();

  int positions();

  /**
   * Whether an exported model computes these features itself when it serves, so that a cache
   * must keep them exactly (float32) for training and evaluation to read what is served.
   */
  boolean servedAsExported();

  /** Pooled vector and token states of each text, in order. */
  BgeFeatures encode(List<String> texts);

  @Override
  void close();
}
