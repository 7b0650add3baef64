package dev.mmel.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mmel.model.data.LabelledMention;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankComparisonTest {
  private static final PairedBootstrap BOOTSTRAP = new PairedBootstrap(1_000, 0.95, 43);

  /** Samples s0..s9 with two mentions each, ranked by {@code ranks}. */
  private static List<RankedMention> ranked(int... ranks) {
    List<LabelledMention> mentions = new ArrayList<>();
    for (int i = 0; i < ranks.length; i++) {
      mentions.add(new LabelledMention("s" + i / 2, "m" + i, "sentence", "", "Q" + i, null));
    }
    return RankedMention.of(mentions, ranks);
  }

  @Test
  void mentionsAreIndexedWithinTheirSample() {
    List<RankedMention> ranked = ranked(1, 2, 3);
    assertEquals(new RankedMention("s0", 0, "m0", "Q0", 1), ranked.get(0));
    assertEquals(new RankedMention("s0", 1, "m1", "Q1", 2), ranked.get(1));
    assertEquals(new RankedMention("s1", 0, "m2", "Q2", 3), ranked.get(2));
  }

  @Test
  void pairsMentionsWhateverTheirOrderAndCountsWhatChangedAtOne() {
    List<RankedMention> first = ranked(1, 1, 2, 4, 1, 10);
    List<RankedMention> second = new ArrayList<>(ranked(1, 3, 1, 1, 1, 5));
    java.util.Collections.reverse(second);
    RankComparison comparison = RankComparison.of("a.json", first, "b.json", second, BOOTSTRAP);

    assertEquals(6, comparison.mentions());
    assertEquals(2, comparison.improvedAt1(), "mentions 2 and 3");
    assertEquals(1, comparison.worsenedAt1(), "mention 1");
    RankComparison.Metric h1 = comparison.metrics().get(0);
    assertEquals("H@1", h1.name());
    assertEquals(300.0 / 6, h1.first(), 1e-9);
    assertEquals(400.0 / 6, h1.second(), 1e-9);
    assertEquals(100.0 / 6, h1.difference().difference(), 1e-9);
    RankComparison.Metric mrr = comparison.metrics().get(2);
    double firstMrr = 100 * (1 + 1 + 0.5 + 0.25 + 1 + 0.1) / 6;
    double secondMrr = 100 * (1 + 1.0 / 3 + 1 + 1 + 1 + 0.2) / 6;
    assertEquals(firstMrr, mrr.first(), 1e-9);
    assertEquals(secondMrr - firstMrr, mrr.difference().difference(), 1e-9);
  }

  @Test
  void refusesDifferentMentionSetsSayingWhich() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RankComparison.of("a.json", ranked(1, 2, 3, 4), "b.json", ranked(1, 2, 3),
            BOOTSTRAP));
    assertTrue(e.getMessage().contains("1 only in a.json (e.g. sample s1 mention #1), "
        + "0 only in b.json"), e.getMessage());

    List<RankedMention> other = new ArrayList<>(ranked(1, 2));
    other.set(1, new RankedMention("s0", 1, "m1", "Q9", 2));
    IllegalArgumentException gold = assertThrows(IllegalArgumentException.class,
        () -> RankComparison.of("a.json", ranked(1, 2), "b.json", other, BOOTSTRAP));
    assertTrue(gold.getMessage().contains("sample s0 mention #1 is 'm1' -> Q1 in a.json but "
        + "'m1' -> Q9 in b.json"), gold.getMessage());
  }
}
