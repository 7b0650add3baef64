package dev.mmel.pipeline;

import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.milvus.MilvusConfig;
import dev.mmel.retriever.milvus.MilvusEntityIndexStore;

/**
 * A Milvus server: builds are collections {@code <prefix>_<build>}, readers use the alias
 * {@code <prefix>_live}. Milvus takes concurrent upserts, so every sink instance writes.
 */
public record MilvusTarget(String uri, String collectionPrefix) implements IndexTarget {
  private static final long serialVersionUID = 1L;

  public MilvusTarget {
    config(uri, collectionPrefix);
  }

  private static MilvusConfig config(String uri, String prefix) {
    return MilvusConfig.defaults(uri).withCollectionPrefix(prefix);
  }

  @Override
  public EntityIndexStore open() {
    return new MilvusEntityIndexStore(config(uri, collectionPrefix));
  }

  @Override
  public String describe() {
    return "Milvus at " + uri + " (collections " + collectionPrefix + "_*)";
  }

  @Override
  public int maxWriters() {
    return 256;
  }
}
