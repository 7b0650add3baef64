package dev.mmel.model.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a dataset reader skipped, dropped and kept, for the end of every run. A malformed record's
 * {@code line} is its line in a JSONL file, or its 1-based position in a JSON array or object.
 */
public final class DatasetReport {
  /** Malformed records the summary lists; the JSON form lists all. */
  static final int SUMMARY_RECORDS = 20;

  private final String dataset;
  private final int kbEntities;
  private final List<MalformedRecord> malformedRecords;
  private final long nilDropped;
  private final long notInKbDropped;
  private final ImageCounts mentionImages;
  private final ImageCounts entityImages;
  private final Map<String, Integer> keptPerSplit;
  private final Map<String, Integer> samplesMissingPerSplit;

  private DatasetReport(Builder b) {
    this.dataset = b.dataset;
    this.kbEntities = b.kbEntities;
    this.malformedRecords = List.copyOf(b.malformed);
    this.nilDropped = b.nilDropped;
    this.notInKbDropped = b.notInKbDropped;
    this.mentionImages = new ImageCounts(b.mentionImagesFound, b.mentionImagesNotGiven,
        b.mentionImagesMissing);
    this.entityImages = new ImageCounts(b.entityImagesFound, b.entityImagesNotGiven,
        b.entityImagesMissing);
    this.keptPerSplit = Collections.unmodifiableMap(new LinkedHashMap<>(b.kept));
    this.samplesMissingPerSplit =
        Collections.unmodifiableMap(new LinkedHashMap<>(b.samplesMissing));
  }

  public String dataset() {
    return dataset;
  }

  public int kbEntities() {
    return kbEntities;
  }

  public long malformed() {
    return malformedRecords.size();
  }

  public List<MalformedRecord> malformedRecords() {
    return malformedRecords;
  }

  public long nilDropped() {
    return nilDropped;
  }

  public long notInKbDropped() {
    return notInKbDropped;
  }

  /** The images of kept mentions. */
  public ImageCounts mentionImages() {
    return mentionImages;
  }

  public ImageCounts entityImages() {
    return entityImages;
  }

  /** No mention and no entity has a readable image: the image side is zeros throughout. */
  public boolean textOnly() {
    return mentionImages.found() == 0 && entityImages.found() == 0;
  }

  /** Mentions kept per split, in split order. */
  public Map<String, Integer> keptPerSplit() {
    return keptPerSplit;
  }

  /**
   * Sample ids a split lists that the mention file lacks (WikiMEL: the GHMFC splits name 2,281
   * samples that the MELBench mentions do not have), per split; empty for other formats.
   */
  public Map<String, Integer> samplesMissingPerSplit() {
    return samplesMissingPerSplit;
  }

  public long samplesMissing() {
    return samplesMissingPerSplit.values().stream().mapToLong(Integer::longValue).sum();
  }

  public String summary() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "dataset %s: %,d KB entities; mentions kept: %s%n",
        dataset, kbEntities, perSplit(keptPerSplit)));
    s.append(String.format(Locale.ROOT,
        "  dropped: %,d nil answers, %,d answers not in the KB%n", nilDropped, notInKbDropped));
    if (samplesMissing() > 0) {
      s.append(String.format(Locale.ROOT, "  split sample ids without a sample: %,d (%s)%n",
          samplesMissing(), perSplit(samplesMissingPerSplit)));
    }
    s.append(images());
    s.append(String.format(Locale.ROOT, "  malformed records skipped: %,d%n", malformed()));
    malformedRecords.stream().limit(SUMMARY_RECORDS)
        .forEach(r -> s.append("    ").append(r).append(System.lineSeparator()));
    if (malformed() > SUMMARY_RECORDS) {
      s.append(String.format(Locale.ROOT, "    ... %,d more (all in the JSON report)%n",
          malformed() - SUMMARY_RECORDS));
    }
    return s.toString();
  }

  /**
   * One line on images; for a text-only dataset it says so instead of counting every mention
   * as a missing image.
   */
  private String images() {
    long missing = mentionImages.fileMissing() + entityImages.fileMissing();
    if (textOnly() && missing == 0) {
      return String.format(Locale.ROOT, "  images: none, text only (the image side is zeros)%n");
    }
    if (textOnly()) {
      return String.format(Locale.ROOT, "  images: none found, text only; %,d mention and %,d "
          + "entity image files named but absent%n", mentionImages.fileMissing(),
          entityImages.fileMissing());
    }
    return String.format(Locale.ROOT, "  images: mention %s; entity %s (zeros for those without)%n",
        describe(mentionImages), describe(entityImages));
  }

  private static String describe(ImageCounts counts) {
    return String.format(Locale.ROOT, "%,d found, %,d not given, %,d file missing",
        counts.found(), counts.notGiven(), counts.fileMissing());
  }

  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dataset", dataset);
    json.put("kb_entities", kbEntities);
    json.put("kept_per_split", keptPerSplit);
    json.put("nil_dropped", nilDropped);
    json.put("not_in_kb_dropped", notInKbDropped);
    json.put("samples_missing_per_split", samplesMissingPerSplit);
    json.put("text_only", textOnly());
    json.put("mention_images", mentionImages.toJson());
    json.put("entity_images", entityImages.toJson());
    json.put("malformed", malformed());
    json.put("malformed_records", malformedRecords.stream().map(r -> {
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("source", r.source());
      record.put("line", r.line());
      record.put("field", r.field());
      record.put("problem", r.problem());
      return record;
    }).toList());
    return json;
  }

  @Override
  public String toString() {
    return summary();
  }

  private static String perSplit(Map<String, Integer> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    return counts.entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  /** What a reader found of one record's image. */
  enum ImageState { FOUND, NOT_GIVEN, FILE_MISSING }

  /** Collects the counts of one read; a reader owns its builder, nothing is shared. */
  static final class Builder {
    private final String dataset;
    private int kbEntities;
    private final List<MalformedRecord> malformed = new ArrayList<>();
    private long nilDropped;
    private long notInKbDropped;
    private long mentionImagesFound;
    private long mentionImagesNotGiven;
    private long mentionImagesMissing;
    private long entityImagesFound;
    private long entityImagesNotGiven;
    private long entityImagesMissing;
    private final Map<String, Integer> kept = new LinkedHashMap<>();
    private final Map<String, Integer> samplesMissing = new LinkedHashMap<>();

    Builder(String dataset) {
      this.dataset = dataset;
    }

    void malformed(MalformedRecord record) {
      malformed.add(record);
    }

    void malformed(String source, long line, String field, String problem) {
      malformed.add(new MalformedRecord(source, line, field, problem));
    }

    void nilDropped() {
      nilDropped++;
    }

    void notInKbDropped() {
      notInKbDropped++;
    }

    void mentionImage(ImageState state) {
      switch (state) {
        case FOUND -> mentionImagesFound++;
        case NOT_GIVEN -> mentionImagesNotGiven++;
        case FILE_MISSING -> mentionImagesMissing++;
      }
    }

    void entityImage(ImageState state) {
      switch (state) {
        case FOUND -> entityImagesFound++;
        case NOT_GIVEN -> entityImagesNotGiven++;
        case FILE_MISSING -> entityImagesMissing++;
      }
    }

    void sampleMissing(String split) {
      samplesMissing.merge(split, 1, Integer::sum);
    }

    void kbEntities(int count) {
      kbEntities = count;
    }

    void kept(String split, int count) {
      kept.put(split, count);
    }

    DatasetReport build() {
      return new DatasetReport(this);
    }
  }
}
