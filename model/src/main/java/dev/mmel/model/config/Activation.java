package dev.mmel.model.config;

import java.util.Locale;

/** The feed-forward activation of a CLIP tower, named as in Hugging Face's `hidden_act`. */
public enum Activation {
  QUICK_GELU("quick_gelu"),
  GELU("gelu");

  private final String id;

  Activation(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Activation parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (Activation activation : values()) {
      if (activation.id.equals(wanted)) {
        return activation;
      }
    }
    throw new IllegalArgumentException(
        "activation '" + text + "' is unknown; use quick_gelu or gelu");
  }
}
