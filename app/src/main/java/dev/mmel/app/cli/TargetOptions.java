package dev.mmel.app.cli;

import dev.mmel.pipeline.EmbeddedTarget;
import dev.mmel.pipeline.IndexTarget;
import dev.mmel.pipeline.MilvusTarget;
import dev.mmel.retriever.EntityIndexStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which store an index command works on, as the commands' options choose it. */
public final class TargetOptions {
  /** Collections {@code mmel_<build>}, alias {@code mmel_live}. */
  static final String MILVUS_PREFIX = "mmel";

  @Option(names = "--index", paramLabel = "DIR",
      description = "Embedded index directory (default .cache/index); malformed-record "
          + "reports are written here with --milvus too.")
  Path index;

  @Option(names = "--milvus", paramLabel = "URI",
      description = "Use this Milvus server (e.g. http://127.0.0.1:19530, see infra/milvus.sh) "
          + "instead of the embedded index; collections mmel_<build>, aliases mmel_live and "
          + "mmel_previous.")
  String milvus;

  public IndexTarget target(Path home) {
    return milvus != null ? new MilvusTarget(milvus, MILVUS_PREFIX)
        : new EmbeddedTarget(indexDir(home).toString());
  }

  /** "embedded" or "milvus": the store this chooses. */
  public String kind() {
    return milvus != null ? "milvus" : "embedded";
  }

  public String describe(Path home) {
    return target(home).describe();
  }

  /**
   * The store of a command that only looks after builds: a mistyped --index is an error, never
   * a new empty index.
   */
  public EntityIndexStore openExisting(Path home) {
    if (milvus == null && !Files.isDirectory(indexDir(home))) {
      throw new IllegalArgumentException("there is no entity index in " + indexDir(home)
          + "; give the directory `mmel index build` wrote with --index, or --milvus URI");
    }
    return target(home).open();
  }

  /**
   * Absolute, like every path a job gets, because the job's operators resolve it, on a cluster
   * in TaskManagers whose working directory is not the caller's.
   */
  public Path indexDir(Path home) {
    return (index != null ? index : home.resolve(".cache/index")).toAbsolutePath();
  }
}
