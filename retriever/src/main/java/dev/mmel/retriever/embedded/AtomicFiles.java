package dev.mmel.retriever.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.apache.lucene.util.IOUtils;

/**
 * Replaces a small file so that readers, and a machine that loses power, see either the old or the
 * new content in full: the bytes reach the disk in a temporary sibling before one rename, and the
 * directory entry is synced after it.
 */
final class AtomicFiles {

  private AtomicFiles() {}

  static void write(Path target, byte[] content) throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    // A unique name, so that two processes replacing the same file do not collide; not
    // Files.createTempFile, whose owner-only permissions would lock out readers run as others.
    Path temp = parent.resolve(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    IOUtils.fsync(parent, true);
  }
}
