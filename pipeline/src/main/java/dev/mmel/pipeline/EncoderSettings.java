package dev.mmel.pipeline;

import java.io.Serializable;

/**
 * What each encoder instance needs: the model directory (which holds the tokenizer vocabulary
 * too), the batch size and the TensorFlow session settings. The directory must be readable on
 * every TaskManager.
 */
public record EncoderSettings(String modelDir, int batchSize, int intraOpThreads,
    String device) implements Serializable {

  public EncoderSettings {
    if (batchSize < 1 || batchSize > 4096) {
      throw new IllegalArgumentException("batch_size must be in [1, 4096], got " + batchSize);
    }
    if (intraOpThreads < 0 || intraOpThreads > 1024) {
      throw new IllegalArgumentException("intra_op_threads must be in [0, 1024], got "
          + intraOpThreads);
    }
  }
}
