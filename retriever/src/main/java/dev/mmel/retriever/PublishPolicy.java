package dev.mmel.retriever;

import java.util.Optional;

/**
 * When a finished build may replace the live index. A KB that lost most of its lines, a wrong
 * file, or a build whose every record was malformed still finishes without error; published, it
 * would silently take the live index's entities away from every reader. So a publish is refused
 * when the build holds no entity, or when it holds fewer than the live build by more than
 * {@code maxShrink} of the live build's count, unless {@code force} is set.
 *
 * @param force publish whatever the build holds
 * @param maxShrink the largest share of the live build's entities a new build may lack, within
 *     [0, 1]: 0 refuses any shrink, 1 allows any (an empty build is still refused)
 */
public record PublishPolicy(boolean force, double maxShrink) {
  /** A tenth: routine KB churn passes, losing a large part of the KB does not. */
  public static final double DEFAULT_MAX_SHRINK = 0.1;

  public PublishPolicy {
    // Written so that NaN fails too.
    if (!(maxShrink >= 0 && maxShrink <= 1)) {
      throw new IllegalArgumentException("max_shrink must be within [0, 1] (the share of the "
          + "live index's entities a new build may lack, e.g. 0.1 for 10%), got " + maxShrink);
    }
  }

  /** Refuses empty builds and builds with more than 10% fewer entities than the live one. */
  public static PublishPolicy defaults() {
    return new PublishPolicy(false, DEFAULT_MAX_SHRINK);
  }

  /** Publishes any build, empty or however much smaller than the live one. */
  public static PublishPolicy forced() {
    return new PublishPolicy(true, DEFAULT_MAX_SHRINK);
  }

  public PublishPolicy withMaxShrink(double share) {
    return new PublishPolicy(force, share);
  }

  /**
   * Passes if {@code candidate} may replace {@code live} (empty when nothing is published);
   * otherwise throws {@link PublishRefusedException} saying why.
   */
  public void check(BuildCount candidate, Optional<BuildCount> live) {
    if (force) {
      return;
    }
    if (candidate.entities() == 0) {
      throw new PublishRefusedException(PublishRefusedException.Reason.EMPTY, candidate, live,
          this);
    }
    if (live.isPresent() && shrink(candidate, live.get()) > maxShrink) {
      throw new PublishRefusedException(PublishRefusedException.Reason.SHRINKS, candidate, live,
          this);
    }
  }

  /** The share of the live build's entities the candidate lacks; 0 when it holds as many. */
  static double shrink(BuildCount candidate, BuildCount live) {
    if (live.entities() == 0 || candidate.entities() >= live.entities()) {
      return 0;
    }
    return (double) (live.entities() - candidate.entities()) / live.entities();
  }
}
