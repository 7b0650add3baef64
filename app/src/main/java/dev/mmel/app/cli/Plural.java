package dev.mmel.app.cli;

import java.util.Locale;

/** A count with its noun in the right number: "1 entity", "18,880 entities". */
public final class Plural {
  private Plural() {}

  public static String of(long count, String one, String many) {
    return String.format(Locale.ROOT, "%,d %s", count, count == 1 ? one : many);
  }
}
