package dev.mmel.model.graph;

import dev.mmel.model.config.BertTextConfig;
import dev.mmel.model.config.ModelConfig;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** A text tower: padded token ids [n,L] to t_cls [n,T] and t_tok [n,L,T] (spec 1). */
interface TextEncoder {
  record Output(Operand<TFloat32> cls, Operand<TFloat32> tokens) {}

  Output apply(Operand<TInt32> ids);

  static TextEncoder of(Layers layers, ModelConfig config) {
    return config.text() instanceof BertTextConfig bert
        ? new BertTower(layers, bert, config.contextLength())
        : new TextTower(layers, config);
  }
}
