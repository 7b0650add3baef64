package dev.mmel.retriever;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One build a store holds, as {@link EntityIndexStore#builds} lists it. What a store cannot tell
 * is empty: a build killed before it recorded its model version has none, the Milvus store knows
 * no sizes on disk.
 *
 * @param entities entities the build holds: counted where the store can count it, else as
 *     recorded when the build was completed
 * @param created when the build was created
 * @param lastWritten when the build was last written; {@link EntityIndexStore#gc} spares builds
 *     written more recently than its minimum age
 * @param bytesOnDisk the build's size in the store's directory (embedded store only)
 */
public record BuildInfo(String buildId, BuildState state, OptionalLong entities,
    Optional<String> modelVersion, Optional<Instant> created, Optional<Instant> lastWritten,
    OptionalLong bytesOnDisk) {

  public BuildInfo {
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(entities, "entities");
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(created, "created");
    Objects.requireNonNull(lastWritten, "lastWritten");
    Objects.requireNonNull(bytesOnDisk, "bytesOnDisk");
  }

  /** Whether nothing wrote the build after {@code cutoff} (a build of unknown age never is). */
  public boolean untouchedSince(Instant cutoff) {
    return lastWritten.or(() -> created).map(t -> t.isBefore(cutoff)).orElse(false);
  }
}
