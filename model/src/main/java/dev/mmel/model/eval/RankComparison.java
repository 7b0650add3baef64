package dev.mmel.model.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * Two evaluations of the same mentions against the same KB, paired mention by mention: H@1,
 * H@5 and MRR of each, their differences (second minus first) with paired bootstrap intervals,
 * and how many mentions the second got right at H@1 that the first did not, and the reverse.
 * Refuses two evaluations over different mentions, since their difference would mix a change
 * of model with a change of data.
 */
public final class RankComparison {
  /** Shown when a mention set differs, so the message stays short. */
  private static final int EXAMPLES = 3;

  /** One metric (percent, like {@link RankMetrics}) of both evaluations and their difference. */
  public record Metric(String name, double first, double second,
      PairedBootstrap.Interval difference) {}

  private final int mentions;
  private final List<Metric> metrics;
  private final int improvedAt1;
  private final int worsenedAt1;

  private RankComparison(int mentions, List<Metric> metrics, int improvedAt1, int worsenedAt1) {
    this.mentions = mentions;
    this.metrics = List.copyOf(metrics);
    this.improvedAt1 = improvedAt1;
    this.worsenedAt1 = worsenedAt1;
  }

  /** {@code firstName} and {@code secondName} name the evaluations in messages. */
  public static RankComparison of(String firstName, List<RankedMention> first,
      String secondName, List<RankedMention> second, PairedBootstrap bootstrap) {
    Map<RankedMention.Key, RankedMention> byKey = index(firstName, first);
    Map<RankedMention.Key, RankedMention> secondByKey = index(secondName, second);
    requireSameMentions(firstName, byKey, secondName, secondByKey);
    int n = byKey.size();
    int[] a = new int[n];
    int[] b = new int[n];
    int i = 0;
    int improved = 0;
    int worsened = 0;
    for (Map.Entry<RankedMention.Key, RankedMention> entry : byKey.entrySet()) {
      RankedMention x = entry.getValue();
      RankedMention y = secondByKey.get(entry.getKey());
      if (!x.goldQid().equals(y.goldQid()) || !x.mention().equals(y.mention())) {
        throw new IllegalArgumentException(entry.getKey() + " is '" + x.mention() + "' -> "
            + x.goldQid() + " in " + firstName + " but '" + y.mention() + "' -> " + y.goldQid()
            + " in " + secondName + ": the evaluations ranked different data");
      }
      a[i] = x.rank();
      b[i] = y.rank();
      improved += a[i] > 1 && b[i] == 1 ? 1 : 0;
      worsened += a[i] == 1 && b[i] > 1 ? 1 : 0;
      i++;
    }
    List<Metric> metrics = List.of(
        metric("H@1", a, b, rank -> rank <= 1 ? 100 : 0, bootstrap),
        metric("H@5", a, b, rank -> rank <= 5 ? 100 : 0, bootstrap),
        metric("MRR", a, b, rank -> 100.0 / rank, bootstrap));
    return new RankComparison(n, metrics, improved, worsened);
  }

  private static Metric metric(String name, int[] a, int[] b, IntToDoubleFunction perMention,
      PairedBootstrap bootstrap) {
    double[] x = new double[a.length];
    double[] y = new double[b.length];
    for (int i = 0; i < a.length; i++) {
      x[i] = perMention.applyAsDouble(a[i]);
      y[i] = perMention.applyAsDouble(b[i]);
    }
    PairedBootstrap.Interval difference = bootstrap.meanDifference(x, y);
    return new Metric(name, mean(x), mean(y), difference);
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  private static Map<RankedMention.Key, RankedMention> index(String name,
      List<RankedMention> ranked) {
    if (ranked.isEmpty()) {
      throw new IllegalArgumentException(name + " ranks no mentions");
    }
    Map<RankedMention.Key, RankedMention> byKey = new LinkedHashMap<>();
    for (RankedMention mention : ranked) {
      if (byKey.put(mention.key(), mention) != null) {
        throw new IllegalArgumentException(name + " ranks " + mention.key() + " twice");
      }
    }
    return byKey;
  }

  private static void requireSameMentions(String firstName,
      Map<RankedMention.Key, RankedMention> first, String secondName,
      Map<RankedMention.Key, RankedMention> second) {
    List<RankedMention.Key> onlyFirst = missingFrom(first, second);
    List<RankedMention.Key> onlySecond = missingFrom(second, first);
    if (onlyFirst.isEmpty() && onlySecond.isEmpty()) {
      return;
    }
    throw new IllegalArgumentException("the evaluations ranked different mentions ("
        + first.size() + " in " + firstName + ", " + second.size() + " in " + secondName + "): "
        + onlyFirst.size() + " only in " + firstName + examples(onlyFirst) + ", "
        + onlySecond.size() + " only in " + secondName + examples(onlySecond)
        + "; evaluate both on the same --data, --split and --limit");
  }

  private static List<RankedMention.Key> missingFrom(Map<RankedMention.Key, RankedMention> from,
      Map<RankedMention.Key, RankedMention> other) {
    List<RankedMention.Key> missing = new ArrayList<>();
    for (RankedMention.Key key : from.keySet()) {
      if (!other.containsKey(key)) {
        missing.add(key);
      }
    }
    return missing;
  }

  private static String examples(List<RankedMention.Key> keys) {
    if (keys.isEmpty()) {
      return "";
    }
    List<String> shown = keys.stream().limit(EXAMPLES).map(Object::toString).toList();
    return " (e.g. " + String.join(", ", shown) + (keys.size() > EXAMPLES ? ", ..." : "") + ")";
  }

  public int mentions() {
    return mentions;
  }

  /** H@1, H@5 and MRR, in that order. */
  public List<Metric> metrics() {
    return metrics;
  }

  /** Mentions the second evaluation ranks first and the first does not. */
  public int improvedAt1() {
    return improvedAt1;
  }

  /** Mentions the first evaluation ranks first and the second does not. */
  public int worsenedAt1() {
    return worsenedAt1;
  }
}
