package dev.mmel.model.data;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a dataset was read from, in which format, and the name its own files give it, if any:
 * the WIKIMEL format is WikiMEL itself, a reference release names itself by its split files'
 * prefix ({@code WIKIMEL_train.json}), and a JSONL dataset by {@code dataset.json}. Training
 * presets follow the declared name only; a directory's name is shown for an unnamed dataset but
 * never decides anything, since users name directories freely.
 */
public final class DatasetOrigin {
  private final Path location;
  private final DatasetFormat format;
  private final String declaredName;
  private final String namedBy;

  /**
   * {@code declaredName} and {@code namedBy} (what gave the name, e.g. "dataset.json") are both
   * null for a dataset that names itself nowhere.
   */
  public DatasetOrigin(Path location, DatasetFormat format, String declaredName, String namedBy) {
    this.location = location.toAbsolutePath().normalize();
    this.format = Objects.requireNonNull(format, "format");
    if ((declaredName == null) != (namedBy == null)) {
      throw new IllegalArgumentException("a declared name needs what declared it, and only then");
    }
    if (declaredName != null && declaredName.isBlank()) {
      throw new IllegalArgumentException("a declared dataset name must be non-empty");
    }
    this.declaredName = declaredName;
    this.namedBy = namedBy;
  }

  public Path location() {
    return location;
  }

  /** The format that read it (never AUTO). */
  public DatasetFormat format() {
    return format;
  }

  /** The name the dataset's own files give it. */
  public Optional<String> declaredName() {
    return Optional.ofNullable(declaredName);
  }

  /** What declared the name, e.g. "dataset.json". */
  public Optional<String> namedBy() {
    return Optional.ofNullable(namedBy);
  }

  /** The declared name, else the directory's name (to show; nothing depends on it). */
  public String name() {
    if (declaredName != null) {
      return declaredName;
    }
    Path name = location.getFileName();
    return name == null ? location.toString() : name.toString();
  }

  /** The name for reports, saying when it is only the directory's. */
  public String label() {
    return declaredName != null ? declaredName
        : name() + " (directory name; the dataset declares none)";
  }

  /** A copy that declares {@code name}, as {@code namedBy} gave it. */
  public DatasetOrigin named(String name, String by) {
    return new DatasetOrigin(location, format, name, by);
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", name());
    json.put("named_by", namedBy != null ? namedBy : "directory name (the dataset declares none)");
    json.put("format", format.name());
    json.put("location", location.toString());
    return json;
  }
}
