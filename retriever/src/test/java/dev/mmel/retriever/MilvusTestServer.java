package dev.mmel.retriever;

import dev.mmel.retriever.milvus.LocalMilvus;
import java.nio.file.Files;
import java.nio.file.Path;

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
    LocalMilvus local = LocalMilvus.acquire(repoRoot());
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

  /** From {@code mmel.repo.root} (set by the retriever's failsafe config), else the directory
   *  above the working directory that holds infra/milvus.sh. */
  private static Path repoRoot() {
    String configured = System.getProperty("mmel.repo.root");
    if (configured != null && Files.isRegularFile(Path.of(configured, "infra/milvus.sh"))) {
      return Path.of(configured).toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("infra/milvus.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException("infra/milvus.sh not found above "
        + Path.of("").toAbsolutePath()
        + ": set -Dmmel.milvus.uri=http://127.0.0.1:19530 or MMEL_MILVUS_URI");
  }
}
