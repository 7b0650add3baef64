package dev.mmel.testkit;


/**
 * The Milvus server an integration test talks to. A URI in the system property
 * {@code mmel.milvus.uri} or the environment variable {@code MMEL_MILVUS_URI} is used as it is;
 * otherwise {@link LocalMilvus} provides infra/milvus.sh's (started if need be, and then stopped
 * again by {@link #close}).
 */
public final class MilvusTestServer implements AutoCloseable {
  private final String uri;
  private final LocalMilvus local;

  private MilvusTestServer(String uri, LocalMilvus local) {
    this.uri = uri;
    this.local = local;
  }

  /** The configured server, or infra/milvus.sh's; {@code logTag} prefixes what it prints. */
  public static MilvusTestServer acquire(String logTag) {
    String configured = System.getProperty("mmel.milvus.uri");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("MMEL_MILVUS_URI");
    }
    if (configured != null && !configured.isBlank()) {
      System.out.println(logTag + " using the configured server " + configured);
      return new MilvusTestServer(configured.strip(), null);
    }
    long t0 = System.nanoTime();
    LocalMilvus local = LocalMilvus.acquire(RepositoryRoot.find());
    System.out.printf("%s infra/milvus.sh server at %s after %.1f s%n", logTag, local.uri(),
        (System.nanoTime() - t0) / 1e9);
    return new MilvusTestServer(local.uri(), local);
  }

  public String uri() {
    return uri;
  }

  /** Stops the server if {@link #acquire} started it. */
  @Override
  public void close() {
    if (local != null) {
      local.close();
    }
  }
}
