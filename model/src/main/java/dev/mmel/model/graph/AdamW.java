package dev.mmel.model.graph;

/**
 * AdamW hyper-parameters (spec 7: betas 0.9/0.999, eps 1e-4, decoupled decay on all but
 * biases). The update is PyTorch's: p *= 1 - lr*wd, then p -= lr * m_hat / (sqrt(v_hat) + eps).
 */
public record AdamW(double learningRate, double beta1, double beta2, double epsilon,
    double weightDecay) {

  public AdamW {
    if (!(learningRate > 0 && learningRate < 1)) {
      throw new IllegalArgumentException("learning rate must be in (0, 1), got " + learningRate);
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
    }
    if (!(weightDecay >= 0 && weightDecay * learningRate < 1)) {
      throw new IllegalArgumentException("weight decay must be >= 0 with lr * decay < 1, got "
          + weightDecay);
    }
  }

  /** Spec 7's optimiser at the given learning rate. */
  public static AdamW spec(double learningRate) {
    return new AdamW(learningRate, 0.9, 0.999, 1e-4, 1e-4);
  }

  /** Biases are exempt from weight decay (spec 7). */
  public boolean decays(String parameterName) {
    return !parameterName.endsWith(".bias");
  }
}
