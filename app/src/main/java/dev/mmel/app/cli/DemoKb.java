package dev.mmel.app.cli;

import dev.mmel.core.NameKeys;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.LabelledMention;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The demo's KB: every gold entity of the chosen mentions, every entity whose name or alias
 * matches a mention's surface, or else a part of whose name does (the confusable ones, and DME's
 * candidates), then random others up to the size asked; or the whole KB.
 */
record DemoKb(List<KbEntity> entities, int golds, int sameName) {

  static DemoKb choose(List<KbEntity> kb, List<LabelledMention> mentions, int size, long seed) {
    if (size >= kb.size()) {
      return new DemoKb(kb, mentions.size(), 0);
    }
    Map<String, KbEntity> byQid = new LinkedHashMap<>();
    kb.forEach(entity -> byQid.put(entity.qid(), entity));
    Map<String, List<KbEntity>> byName = new HashMap<>();
    Map<String, List<KbEntity>> byPart = new HashMap<>();
    for (KbEntity entity : kb) {
      byName.computeIfAbsent(NameKeys.of(entity.name()), key -> new ArrayList<>()).add(entity);
      for (String alias : entity.aliases()) {
        byName.computeIfAbsent(NameKeys.of(alias), key -> new ArrayList<>()).add(entity);
      }
      for (String part : NameKeys.partsOf(entity.name(), entity.aliases())) {
        byPart.computeIfAbsent(part, key -> new ArrayList<>()).add(entity);
      }
    }
    Map<String, KbEntity> chosen = new LinkedHashMap<>();
    for (LabelledMention mention : mentions) {
      chosen.put(mention.answerQid(), byQid.get(mention.answerQid()));
    }
    int golds = chosen.size();
    for (LabelledMention mention : mentions) {
      String key = NameKeys.of(mention.mention());
      List<KbEntity> named = byName.getOrDefault(key, List.of());
      for (KbEntity entity : named.isEmpty() ? byPart.getOrDefault(key, List.of()) : named) {
        chosen.putIfAbsent(entity.qid(), entity);
      }
    }
    int sameName = chosen.size() - golds;
    List<KbEntity> others = new ArrayList<>(kb);
    Collections.shuffle(others, new Random(seed));
    Set<String> taken = new HashSet<>(chosen.keySet());
    for (KbEntity entity : others) {
      if (chosen.size() >= size) {
        break;
      }
      if (taken.add(entity.qid())) {
        chosen.put(entity.qid(), entity);
      }
    }
    return new DemoKb(List.copyOf(chosen.values()), golds, sameName);
  }

  void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (KbEntity entity : entities) {
        out.write(KbJsonl.toLine(entity));
        out.newLine();
      }
    }
  }
}
