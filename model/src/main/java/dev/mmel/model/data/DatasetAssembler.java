package dev.mmel.model.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules every format shares, applied once: the first entity of a QID wins and later ones are
 * malformed; nil answers and answers outside the KB are dropped and counted; images that are not
 * readable files are counted and set to null. Readers feed the whole KB first, then mentions.
 */
final class DatasetAssembler {
  private static final List<String> USUAL_SPLITS = List.of("train", "dev", "test");

  private final DatasetOrigin origin;
  private final DatasetReport.Builder report;
  private final Map<String, KbEntity> kb = new LinkedHashMap<>();
  private final Map<String, List<LabelledMention>> splits = new LinkedHashMap<>();

  DatasetAssembler(DatasetOrigin origin) {
    this.origin = origin;
    this.report = new DatasetReport.Builder(origin.label());
  }

  DatasetReport.Builder report() {
    return report;
  }

  void entity(KbEntity entity, String source, long line) {
    if (!splits.isEmpty()) {
      throw new IllegalStateException("KB entities must all come before the mentions");
    }
    if (!KbJsonl.QID.matcher(entity.qid()).matches()) {
      report.malformed(source, line, "qid", "'" + entity.qid() + "' is not 1-64 letters, digits "
          + "or _.:- (e.g. Q42)");
      return;
    }
    if (kb.containsKey(entity.qid())) {
      report.malformed(source, line, "qid", "duplicate QID " + entity.qid()
          + " (the first entity with it is kept)");
      return;
    }
    String image = entity.imagePath();
    DatasetReport.ImageState state = imageState(image == null ? null : Path.of(image));
    report.entityImage(state);
    if (state == DatasetReport.ImageState.FILE_MISSING) {
      image = null;
    }
    kb.put(entity.qid(), new KbEntity(entity.qid(), entity.name(), entity.aliases(),
        entity.description(), image));
  }

  /** Declares a split, so that one whose records were all dropped still shows, empty. */
  void split(String split) {
    splits.computeIfAbsent(split, s -> new ArrayList<>());
  }

  void mention(String split, LabelledMention mention) {
    split(split);
    if (mention.answerQid().equalsIgnoreCase("nil")) {
      report.nilDropped();
      return;
    }
    if (!kb.containsKey(mention.answerQid())) {
      report.notInKbDropped();
      return;
    }
    Path image = mention.imagePath();
    DatasetReport.ImageState state = imageState(image);
    report.mentionImage(state);
    if (state == DatasetReport.ImageState.FILE_MISSING) {
      image = null;
    }
    splits.get(split).add(new LabelledMention(mention.sampleId(), mention.mention(),
        mention.sentence(), mention.description(),
        mention.answerQid(), image == null ? null : image.toAbsolutePath().normalize()));
  }

  LinkingDataset build() {
    Map<String, List<LabelledMention>> ordered = new LinkedHashMap<>();
    USUAL_SPLITS.stream().filter(splits::containsKey).forEach(s -> ordered.put(s, splits.get(s)));
    splits.forEach(ordered::putIfAbsent);
    report.kbEntities(kb.size());
    ordered.forEach((split, mentions) -> report.kept(split, mentions.size()));
    return new LinkingDataset(origin, List.copyOf(kb.values()), ordered, report.build());
  }

  private static DatasetReport.ImageState imageState(Path file) {
    if (file == null) {
      return DatasetReport.ImageState.NOT_GIVEN;
    }
    return Files.isRegularFile(file) && Files.isReadable(file) ? DatasetReport.ImageState.FOUND
        : DatasetReport.ImageState.FILE_MISSING;
  }
}
