package dev.mmel.retriever;

import java.util.Locale;
import java.util.Optional;

/**
 * A finished build was not published because {@link PublishPolicy} refused it. The build stays
 * in the store, finished but not live, and the live index is untouched. The message gives the
 * counts, the shrink and the limit, and what to do.
 */
public final class PublishRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a build was refused. */
  public enum Reason {
    /** The build holds no entity. */
    EMPTY,
    /** The build lacks more of the live build's entities than the policy allows. */
    SHRINKS
  }

  // Plain fields, so that the exception stays serialisable as Throwable promises.
  private final Reason reason;
  private final String buildId;
  private final long entities;
  /** Null when nothing was live. */
  private final String liveBuildId;
  private final long liveEntities;
  private final double maxShrink;

  PublishRefusedException(Reason reason, BuildCount candidate, Optional<BuildCount> live,
      PublishPolicy policy) {
    super(message(reason, candidate, live, policy.maxShrink()));
    this.reason = reason;
    this.buildId = candidate.buildId();
    this.entities = candidate.entities();
    this.liveBuildId = live.map(BuildCount::buildId).orElse(null);
    this.liveEntities = live.map(BuildCount::entities).orElse(0L);
    this.maxShrink = policy.maxShrink();
  }

  public Reason reason() {
    return reason;
  }

  /** The refused build and its entity count. */
  public BuildCount candidate() {
    return new BuildCount(buildId, entities);
  }

  /** The live build it would have replaced, if one was published. */
  public Optional<BuildCount> live() {
    return Optional.ofNullable(liveBuildId).map(id -> new BuildCount(id, liveEntities));
  }

  /** The share of the live build's entities the refused build lacks. */
  public double shrink() {
    return live().map(l -> PublishPolicy.shrink(candidate(), l)).orElse(0.0);
  }

  /** The policy's limit on {@link #shrink}. */
  public double maxShrink() {
    return maxShrink;
  }

  private static String message(Reason reason, BuildCount candidate, Optional<BuildCount> live,
      double maxShrink) {
    String kept = " Build '" + candidate.buildId() + "' is kept, finished but not live, and "
        + live.map(l -> "live build '" + l.buildId() + "' still serves").orElse(
            "nothing is published") + ".";
    if (reason == Reason.EMPTY) {
      return "publishing refused: build '" + candidate.buildId() + "' holds no entities"
          + live.map(l -> String.format(Locale.ROOT, " (the live build '%s' holds %,d)",
              l.buildId(), l.entities())).orElse("")
          + "; check the KB and the malformed-record report." + kept
          + " To publish an empty index anyway, use --force.";
    }
    BuildCount current = live.orElseThrow();
    double shrink = PublishPolicy.shrink(candidate, current);
    // Rounded up to the percent, so that the suggested limit admits this build.
    double needed = Math.min(1, Math.ceil(shrink * 100) / 100);
    return String.format(Locale.ROOT, "publishing refused: build '%s' holds %s, %.2f%% "
            + "fewer than the %,d of live build '%s'; a publish may shrink the live index by at "
            + "most %.2f%% (max shrink %s).%s If the smaller KB is intended, publish it with "
            + "--force, or allow the shrink with --max-shrink %.2f.",
        candidate.buildId(), candidate.entities() == 1 ? "1 entity"
            : String.format(Locale.ROOT, "%,d entities", candidate.entities()), 100 * shrink,
        current.entities(),
        current.buildId(), 100 * maxShrink, maxShrink, kept, needed);
  }
}
