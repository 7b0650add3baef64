package dev.mmel.retriever;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PublishPolicyTest {
  private static final Optional<BuildCount> LIVE = Optional.of(new BuildCount("wikimel", 18_880));

  private static BuildCount build(long entities) {
    return new BuildCount("next", entities);
  }

  private static PublishRefusedException refused(PublishPolicy policy, long entities,
      Optional<BuildCount> live) {
    return assertThrows(PublishRefusedException.class,
        () -> policy.check(build(entities), live));
  }

  @Test
  void theDefaultRefusesEmptyBuildsAndShrinksOfMoreThanATenth() {
    PublishPolicy policy = PublishPolicy.defaults();
    assertFalse(policy.force());
    assertEquals(0.1, policy.maxShrink());
    assertEquals(PublishRefusedException.Reason.EMPTY, refused(policy, 0, LIVE).reason());
    assertEquals(PublishRefusedException.Reason.EMPTY,
        refused(policy, 0, Optional.empty()).reason(), "even when nothing is live yet");
    assertEquals(PublishRefusedException.Reason.SHRINKS, refused(policy, 1, LIVE).reason());
    assertEquals(PublishRefusedException.Reason.SHRINKS,
        refused(policy, 16_991, LIVE).reason(), "one entity past a tenth");
    policy.check(build(16_992), LIVE);
    policy.check(build(18_880), LIVE);
    policy.check(build(40_000), LIVE);
    policy.check(build(1), Optional.empty());
    policy.check(build(1), Optional.of(new BuildCount("empty", 0)));
  }

  @Test
  void forcedPublishesAnything() {
    PublishPolicy forced = PublishPolicy.forced();
    assertTrue(forced.force());
    forced.check(build(0), LIVE);
    forced.check(build(1), LIVE);
    forced.check(build(0), Optional.empty());
  }

  @Test
  void theShrinkLimitIsConfigurableFromNoneToAny() {
    PublishPolicy none = PublishPolicy.defaults().withMaxShrink(0);
    refused(none, 18_879, LIVE);
    none.check(build(18_880), LIVE);
    PublishPolicy any = PublishPolicy.defaults().withMaxShrink(1);
    any.check(build(1), LIVE);
    assertEquals(PublishRefusedException.Reason.EMPTY, refused(any, 0, LIVE).reason(),
        "a limit of 1 still refuses an empty build: that takes --force");
    PublishPolicy half = PublishPolicy.defaults().withMaxShrink(0.5);
    half.check(build(9_440), LIVE);
    refused(half, 9_439, LIVE);
  }

  @Test
  void theLimitIsAShareWithinZeroAndOne() {
    for (double bad : new double[] {-0.01, 1.01, 10, Double.NaN, Double.POSITIVE_INFINITY}) {
      String message = assertThrows(IllegalArgumentException.class,
          () -> new PublishPolicy(false, bad)).getMessage();
      assertTrue(message.startsWith("max_shrink must be within [0, 1]"), message);
      assertTrue(message.endsWith("got " + bad), message);
    }
    assertThrows(IllegalArgumentException.class, () -> PublishPolicy.forced().withMaxShrink(2));
  }

  @Test
  void aShrinkRefusalGivesCountsShareLimitAndWhatToDo() {
    PublishRefusedException e = refused(PublishPolicy.defaults(), 1, LIVE);
    assertEquals(build(1), e.candidate());
    assertEquals(LIVE, e.live());
    assertEquals(18_879 / 18_880.0, e.shrink(), 1e-12);
    assertEquals(0.1, e.maxShrink());
    assertEquals("publishing refused: build 'next' holds 1 entity, 99.99% fewer than the "
        + "18,880 of live build 'wikimel'; a publish may shrink the live index by at most "
        + "10.00% (max shrink 0.1). Build 'next' is kept, finished but not live, and live build "
        + "'wikimel' still serves. If the smaller KB is intended, publish it with --force, or "
        + "allow the shrink with --max-shrink 1.00.", e.getMessage());
    String half = refused(PublishPolicy.defaults(), 9_000, LIVE).getMessage();
    assertTrue(half.contains("holds 9,000 entities, 52.33% fewer")
        && half.endsWith("--max-shrink 0.53."), half);
  }

  @Test
  void anEmptyRefusalSaysWhatToCheck() {
    String withLive = refused(PublishPolicy.defaults(), 0, LIVE).getMessage();
    assertEquals("publishing refused: build 'next' holds no entities (the live build 'wikimel' "
        + "holds 18,880); check the KB and the malformed-record report. Build 'next' is kept, "
        + "finished but not live, and live build 'wikimel' still serves. To publish an empty "
        + "index anyway, use --force.", withLive);
    PublishRefusedException first = refused(PublishPolicy.defaults(), 0, Optional.empty());
    assertTrue(first.getMessage().contains("nothing is published"), first.getMessage());
    assertEquals(Optional.empty(), first.live());
    assertEquals(0, first.shrink());
  }
}
