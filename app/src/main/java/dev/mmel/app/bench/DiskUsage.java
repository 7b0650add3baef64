package dev.mmel.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Bytes on disk (apparent file sizes) of what `mmel bench-index` builds. */
final class DiskUsage {
  private DiskUsage() {}

  /**
   * The files under {@code root}; files a running server deletes meanwhile are skipped and
   * symbolic links are not followed (Milvus' data directory links its binaries).
   */
  static long of(Path root) {
    if (!Files.exists(root)) {
      return 0;
    }
    AtomicLong total = new AtomicLong();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (attributes.isRegularFile()) {
            total.addAndGet(attributes.size());
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("could not measure " + root + ": " + e.getMessage(), e);
    }
    return total.get();
  }

  /**
   * A Milvus 2.3 standalone data directory (infra/milvus.sh's) in three parts: sealed segments
   * (insert, delta and stats binlogs) with their index files; the rocksmq message log, which
   * holds a second copy of every write until its retention period ends; and the rest (etcd
   * metadata, logs).
   */
  record Milvus(long segments, long messageLog, long other) {
    private static final List<String> SEGMENTS =
        List.of("insert_log", "delta_log", "stats_log", "index_files");
    private static final List<String> MESSAGE_LOG = List.of("rocksmq", "rocksmq_meta_kv");

    static Milvus of(Path dataDir) {
      Path data = dataDir.resolve("data");
      long segments = SEGMENTS.stream().mapToLong(d -> DiskUsage.of(data.resolve(d))).sum();
      long messageLog = MESSAGE_LOG.stream().mapToLong(d -> DiskUsage.of(data.resolve(d))).sum();
      return new Milvus(segments, messageLog, DiskUsage.of(dataDir) - segments - messageLog);
    }

    Milvus minus(Milvus before) {
      return new Milvus(segments - before.segments, messageLog - before.messageLog,
          other - before.other);
    }

    long total() {
      return segments + messageLog + other;
    }
  }
}
