package dev.mmel.retriever.embedded;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * What a build directory takes on disk and when anything in it last changed. A writer commits
 * new segment files at every flush, so the newest modification time is when the build was last
 * written; gc goes by it, not by the creation time, which a long build leaves far behind.
 */
record BuildFiles(long bytes, Instant lastModified) {

  /**
   * Reads sizes and times under {@code dir}. Files a concurrent merge or commit deletes while
   * they are read are skipped: they are no longer part of the build.
   */
  static BuildFiles of(Path dir) throws IOException {
    long[] bytes = {0};
    Instant[] last = {Instant.EPOCH};
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path path, BasicFileAttributes attributes) {
        note(attributes);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path path, BasicFileAttributes attributes) {
        if (attributes.isRegularFile()) {
          bytes[0] += attributes.size();
        }
        note(attributes);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path path, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      private void note(BasicFileAttributes attributes) {
        Instant modified = attributes.lastModifiedTime().toInstant();
        if (modified.isAfter(last[0])) {
          last[0] = modified;
        }
      }
    });
    return new BuildFiles(bytes[0], last[0]);
  }
}
