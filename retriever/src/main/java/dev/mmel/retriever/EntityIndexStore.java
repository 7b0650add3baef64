package dev.mmel.retriever;

import dev.mmel.core.IndexSchema;
import java.util.Optional;

/**
 * Where indexes live (a Milvus server, or a directory) and which one readers see. A full build
 * writes a new index under its own build id, invisible to readers, and {@link #publish} switches
 * readers to it in one step (a Milvus alias, or an atomically replaced pointer file), so nobody
 * ever reads a half-built index. Opening a build id again resumes it, so a restarted job keeps
 * writing where it was.
 */
public interface EntityIndexStore extends AutoCloseable {

  /** Build ids: lower-case letters, digits and underscores, at most 40. */
  String BUILD_ID = "[a-z0-9_]{1,40}";

  /** The published index; fails naming what to run if nothing was published yet. */
  EntityIndex openLive();

  /** Creates the build's empty index, or reopens it with what it already holds. */
  EntityIndex openBuild(String buildId, String modelVersion, IndexSchema schema);

  /**
   * Points readers at this build once what was flushed to it is searchable through its ANN index
   * (on Milvus: loaded by the query nodes as indexed segments), and drops the build they saw
   * before.
   */
  void publish(String buildId);

  /**
   * Drops a build that is not live; dropping one that does not exist (any more) does nothing,
   * so clean-up can be repeated safely.
   */
  void dropBuild(String buildId);

  Optional<String> liveBuildId();

  @Override
  void close();
}
