package dev.mmel.model.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared WikiMEL dataset through lookups by QID, for the demo, the calibrator and the tests
 * that need names and abstracts; it is {@link DatasetReaders}' WikiMEL reading underneath.
 */
public final class WikiMel {

  /** One labelled mention. {@code imagePath} is null when the sample has no image here. */
  public record Mention(String sampleId, String surface, String sentence, String goldQid,
      Path imagePath) {}

  private final LinkingDataset dataset;
  private final Map<String, String> names;
  private final Map<String, String> abstracts;

  private WikiMel(LinkingDataset dataset) {
    this.dataset = dataset;
    Map<String, String> names = new LinkedHashMap<>();
    Map<String, String> abstracts = new HashMap<>();
    for (KbEntity entity : dataset.kb()) {
      names.put(entity.qid(), entity.name());
      abstracts.put(entity.qid(), entity.description());
    }
    this.names = Collections.unmodifiableMap(names);
    this.abstracts = abstracts;
  }

  public static WikiMel load(Path root) throws IOException {
    return new WikiMel(DatasetReaders.open(root, DatasetFormat.WIKIMEL));
  }

  public LinkingDataset dataset() {
    return dataset;
  }

  /** QID -> name, in KB file order. */
  public Map<String, String> names() {
    return names;
  }

  public String name(String qid) {
    return names.get(qid);
  }

  public String abstractOf(String qid) {
    return abstracts.getOrDefault(qid, "");
  }

  /** The mentions of a split ("train", "dev", "test"); answers outside the KB are dropped. */
  public List<Mention> mentions(String split) {
    return dataset.split(split).stream().map(m -> new Mention(m.sampleId(), m.mention(),
        m.sentence(), m.answerQid(), m.imagePath())).toList();
  }
}
