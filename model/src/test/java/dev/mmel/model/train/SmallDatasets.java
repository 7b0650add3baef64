package dev.mmel.model.train;

import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.LinkingDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Tiny JSONL datasets written to disk and read back as a user's would be. */
final class SmallDatasets {
  private SmallDatasets() {}

  /**
   * Entities Q1..Q5; each split maps to its samples' mention counts (sample ids {@code SPLIT-i}),
   * an empty list writing an empty split file; {@code name} null writes no dataset.json.
   */
  static LinkingDataset write(Path dir, String name, Map<String, List<Integer>> splits)
      throws IOException {
    Files.createDirectories(dir);
    List<String> kb = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      kb.add("{\"qid\": \"Q" + i + "\", \"name\": \"entity " + i + "\"}");
    }
    Files.write(dir.resolve("kb.jsonl"), kb);
    for (Map.Entry<String, List<Integer>> split : splits.entrySet()) {
      List<String> lines = new ArrayList<>();
      List<Integer> samples = split.getValue();
      for (int s = 0; s < samples.size(); s++) {
        for (int m = 0; m < samples.get(s); m++) {
          lines.add("{\"id\": \"" + split.getKey() + "-" + s + "\", \"mention\": \"m" + m
              + "\", \"sentence\": \"s\", \"answer\": \"Q" + (1 + (s + m) % 5) + "\"}");
        }
      }
      Files.write(dir.resolve("mentions-" + split.getKey() + ".jsonl"), lines);
    }
    if (name != null) {
      Files.writeString(dir.resolve("dataset.json"), "{\"name\": \"" + name + "\"}");
    }
    return DatasetReaders.open(dir, DatasetFormat.JSONL);
  }
}
