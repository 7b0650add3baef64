package dev.mmel.retriever.milvus;

import dev.mmel.core.IndexSchema;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a build collection was created for: the model version and the index schema. It is the
 * collection's description, written once at creation, so that reopening a build with another
 * model or shapes fails instead of mixing two models' vectors in one index, and so that readers
 * learn the model version without a per-row field. Layout 2 added the name parts field
 * ({@code nameParts}); a layout 1 collection is still read and refreshed, without it.
 */
record BuildStamp(String modelVersion, IndexSchema schema, boolean nameParts) {
  private static final Pattern VERSION = Pattern.compile("[\\x21-\\x7e]{1,128}");
  private static final Pattern DESCRIPTION = Pattern.compile("mmel-entity-index/([12])"
      + " retrieval_dim=(\\d{1,9}) hidden_dim=(\\d{1,9}) text_positions=(\\d{1,9})"
      + " image_positions=(\\d{1,9}) model_version=(\\S+)");

  BuildStamp {
    if (modelVersion == null || !VERSION.matcher(modelVersion).matches()) {
      throw new IllegalArgumentException("model version must be 1 to 128 printable ASCII "
          + "characters without spaces (e.g. mmoe-0123456789abcdef), got '" + modelVersion + "'");
    }
    if (schema == null) {
      throw new IllegalArgumentException("index schema must be set");
    }
  }

  /** A stamp for a new collection, in the current layout. */
  BuildStamp(String modelVersion, IndexSchema schema) {
    this(modelVersion, schema, true);
  }

  /** Whether two stamps are for the same model and shapes, whatever their layouts. */
  boolean sameModelAs(BuildStamp other) {
    return modelVersion.equals(other.modelVersion) && schema.equals(other.schema);
  }

  String description() {
    return "mmel-entity-index/" + (nameParts ? 2 : 1) + " retrieval_dim=" + schema.retrievalDim()
        + " hidden_dim=" + schema.hiddenDim() + " text_positions=" + schema.textPositions()
        + " image_positions=" + schema.imagePositions() + " model_version=" + modelVersion;
  }

  /** The stamp in a collection's description; empty if it is not an mmel entity index. */
  static Optional<BuildStamp> parse(String description) {
    Matcher m = DESCRIPTION.matcher(description == null ? "" : description);
    if (!m.matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new BuildStamp(m.group(6), new IndexSchema(Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)),
          Integer.parseInt(m.group(5))), m.group(1).equals("2")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "model version " + modelVersion + ", " + schema;
  }
}
