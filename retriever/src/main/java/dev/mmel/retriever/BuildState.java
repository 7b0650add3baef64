package dev.mmel.retriever;

import java.util.Locale;

/**
 * Where a build stands in a store. A build is finished once a publish of it was attempted: the
 * store records the build as complete, with its entity count, before it applies the
 * {@link PublishPolicy}, so a refused build is told apart from one whose job never got that far
 * (still running, killed, or failed).
 */
public enum BuildState {
  /** What readers see. */
  LIVE,
  /** Live before the current one, kept so that a rollback can make it live again. */
  PREVIOUS,
  /** Complete but never live: its publish was refused (or not attempted since it finished). */
  FINISHED,
  /** Never completed: its job is still writing it, or died before it finished. */
  UNFINISHED,
  /** Live once, then pushed out of the previous slot by a later publish. */
  RETIRED;

  public static BuildState of(boolean live, boolean previous, boolean complete,
      boolean everPublished) {
    if (live) {
      return LIVE;
    }
    if (previous) {
      return PREVIOUS;
    }
    if (!complete) {
      return UNFINISHED;
    }
    return everPublished ? RETIRED : FINISHED;
  }

  /** Whether {@link EntityIndexStore#gc} may remove such a build: all but live and previous. */
  public boolean collectable() {
    return this != LIVE && this != PREVIOUS;
  }

  /** Lower case, as listings show it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
