package dev.mmel.pipeline;

import dev.mmel.retriever.EntityIndexStore;
import java.io.Serializable;

/**
 * Where a job writes: shipped to every sink instance, which opens its own store from it. Two
 * real stores exist: the embedded on-disk one (the default) and Milvus.
 */
public interface IndexTarget extends Serializable {

  EntityIndexStore open();

  /** For progress lines and errors, e.g. "embedded index at /data/index". */
  String describe();

  /**
   * How many sink instances may write one build at once: Lucene allows one writer per
   * directory, Milvus takes concurrent upserts.
   */
  int maxWriters();
}
