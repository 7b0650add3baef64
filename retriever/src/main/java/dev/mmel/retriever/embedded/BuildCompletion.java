package dev.mmel.retriever.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * The marker of a complete build, {@code complete.properties} beside its metadata: written
 * (atomically) when a publish of the build is attempted, before the publish policy is checked,
 * so that a build without it is one whose job never finished, and a build with it but not live
 * was refused or retired. Reopening the build for writing deletes it.
 *
 * @param entities what the build held when it was completed
 * @param publishedAt when it first went live; empty while it never was
 */
record BuildCompletion(long entities, Instant completedAt, Optional<Instant> publishedAt) {
  static final String FILE_NAME = "complete.properties";

  private static final String ENTITIES = "entities";
  private static final String COMPLETED_AT = "completed_at";
  private static final String PUBLISHED_AT = "published_at";

  BuildCompletion published(Instant at) {
    return new BuildCompletion(entities, completedAt, Optional.of(publishedAt.orElse(at)));
  }

  void write(Path buildDir) throws IOException {
    Properties properties = new Properties();
    properties.setProperty(ENTITIES, Long.toString(entities));
    properties.setProperty(COMPLETED_AT, completedAt.toString());
    publishedAt.ifPresent(at -> properties.setProperty(PUBLISHED_AT, at.toString()));
    StringWriter text = new StringWriter();
    properties.store(text, "mmel embedded entity index: a complete build");
    AtomicFiles.write(buildDir.resolve(FILE_NAME),
        text.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The marker of the build in {@code buildDir}, or empty if it is not complete. */
  static Optional<BuildCompletion> read(Path buildDir) throws IOException {
    Path file = buildDir.resolve(FILE_NAME);
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    try {
      String published = properties.getProperty(PUBLISHED_AT);
      return Optional.of(new BuildCompletion(Long.parseLong(required(properties, ENTITIES)),
          Instant.parse(required(properties, COMPLETED_AT)),
          Optional.ofNullable(published).map(Instant::parse)));
    } catch (RuntimeException e) {
      throw new IllegalStateException(file + " is damaged (" + e.getMessage() + "); publish the "
          + "build again to rewrite it", e);
    }
  }

  static void delete(Path buildDir) throws IOException {
    Files.deleteIfExists(buildDir.resolve(FILE_NAME));
  }

  private static String required(Properties properties, String key) {
    String value = properties.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(key + " is missing");
    }
    return value;
  }
}
