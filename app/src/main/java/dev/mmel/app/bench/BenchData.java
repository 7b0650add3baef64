package dev.mmel.app.bench;

import dev.mmel.core.EncodedEntity;
import dev.mmel.core.EntityRecord;
import dev.mmel.core.IndexSchema;
import java.util.List;

/** What `mmel bench-index` indexes and searches for: synthetic vectors or an encoded real KB. */
interface BenchData {
  int size();

  IndexSchema schema();

  /** Every entity's retrieval vector, row i for entity i. */
  float[][] vectors();

  float[][] queries();

  /** Entities {@code from..to-1} as the stores receive them, vectors from {@link #vectors}. */
  List<EncodedEntity> entities(int from, int to);

  EntityRecord record(int entity);

  /** One paragraph saying what the data is, printed above the search table. */
  String describe();
}
