package dev.mmel.model.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a switch mixture-of-experts block turns router probabilities into expert weights (spec 4). */
public enum GateMode {
  /** Top-k experts per token, renormalised; every item is independent of the rest of its batch. */
  PER_TOKEN("per_token"),
  /**
   * The reference code's gate: top-k indices scattered along the sequence axis and divided by the
   * batch mean, so an item's output depends on its batch unless a frozen mean replaces it.
   */
  FAITHFUL("faithful");

  private final String id;

  GateMode(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static GateMode parse(String text) {
    String wanted = text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (GateMode mode : values()) {
      if (mode.id.equals(wanted)) {
        return mode;
      }
    }
    throw new IllegalArgumentException("gate mode '" + text + "' is unknown; use one of "
        + Arrays.stream(values()).map(GateMode::id).collect(Collectors.joining(", ")));
  }
}
