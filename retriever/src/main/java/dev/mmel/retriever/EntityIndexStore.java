package dev.mmel.retriever;

import dev.mmel.core.IndexSchema;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where indexes live (a Milvus server, or a directory) and which one readers see. A full build
 * writes a new index under its own build id, invisible to readers, and {@link #publish} switches
 * readers to it in one step (a Milvus alias, or an atomically replaced pointer file), so nobody
 * ever reads a half-built index. Opening a build id again resumes it, so a restarted job keeps
 * writing where it was.
 *
 * <p>A publish first records the build as complete, then checks it against the live build under
 * a {@link PublishPolicy}: a refused build stays, finished but not live. The build that was live
 * becomes the previous build, which {@link #rollback} makes live again; only one previous build
 * is kept, and the one it replaces is retired. Every build that is neither live nor previous
 * (unfinished, finished, retired) stays until {@link #gc} removes it.
 */
public interface EntityIndexStore extends AutoCloseable {

  /** Build ids: lower-case letters, digits and underscores, at most 40. */
  String BUILD_ID = "[a-z0-9_]{1,40}";

  /** The published index; fails naming what to run if nothing was published yet. */
  EntityIndex openLive();

  /**
   * Creates the build's empty index, or reopens it with what it already holds. A reopened build
   * that is not live counts as unfinished again until it is published.
   */
  EntityIndex openBuild(String buildId, String modelVersion, IndexSchema schema);

  /** {@link #publish(String, PublishPolicy)} under {@link PublishPolicy#defaults()}. */
  default void publish(String buildId) {
    publish(buildId, PublishPolicy.defaults());
  }

  /**
   * Records the build as complete with its entity count, checks it against the live build under
   * {@code policy}, and then points readers at it once what was flushed to it is searchable
   * through its ANN index (on Milvus: loaded by the query nodes as indexed segments). The build
   * readers saw before becomes the previous build; the previous one before it is retired.
   * Publishing the live build again does nothing.
   *
   * @throws PublishRefusedException if the policy refuses the build; nothing else changes
   */
  void publish(String buildId, PublishPolicy policy);

  /**
   * Makes the previous build live again; the build that was live becomes the previous one, so a
   * second rollback undoes the first. The policy does not apply: the previous build served
   * before.
   *
   * @return the build now live
   * @throws IllegalStateException if nothing is live or there is no previous build
   */
  String rollback();

  /**
   * Drops a build that is not live (a previous build stops being one); dropping one that does
   * not exist (any more) does nothing, so clean-up can be repeated safely.
   */
  void dropBuild(String buildId);

  Optional<String> liveBuildId();

  /** The build {@link #rollback} would make live. */
  Optional<String> previousBuildId();

  /** Every build the store holds, oldest first. */
  List<BuildInfo> builds();

  /**
   * Removes every build that is neither live nor previous (unfinished, finished, retired) and
   * that nothing has written for {@code minAge}: an unfinished build written more recently may
   * belong to a job that is still running. A build the store knows to be open for writing is
   * never removed.
   *
   * @return what was removed
   */
  List<BuildInfo> gc(Duration minAge);

  @Override
  void close();

  /** Rejects a minimum age for {@link #gc} that is missing or negative. */
  static Duration checkMinAge(Duration minAge) {
    if (minAge == null || minAge.isNegative()) {
      throw new IllegalArgumentException("min_age must be >= 0 (how long a build must have gone "
          + "unwritten before gc removes it, e.g. 10 minutes), got " + minAge);
    }
    return minAge;
  }
}
