package dev.mmel.app.cli;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMelKbExport;
import dev.mmel.model.io.MatcherStart;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.io.WeightImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What the commands use when not told otherwise, under the checkout the launcher runs from
 * ({@code mmel.home}): the tiny random demo model (fast, for trying the jobs), the bge-small
 * dual-encoder model (real answers, for the demo) and the shared WikiMEL KB, each made on first
 * use.
 */
public final class Defaults {
  private Defaults() {}

  /** The repository root the launcher runs from, else the working directory. */
  public static Path home() {
    return Path.of(System.getProperty("mmel.home", ".")).toAbsolutePath();
  }

  /** The tiny random model of the defaults, created on first use. */
  public static Path demoModel(ProgressListener progress) throws IOException {
    Path dir = home().resolve(".cache/demo-model");
    if (!Files.exists(new ModelDirectory(dir).manifest())) {
      progress.step("creating a tiny random model in " + dir);
      ModelCreator.initRandom(ModelPresets.get(ModelPresets.TINY), 43,
          SharedData.file(SharedData.CLIP_VOCAB), dir);
    }
    return dir;
  }

  /**
   * bge-small-en-v1.5 with a dual-encoder matcher start: a real model (the untrained dual
   * encoder's accuracy) that needs no training and no download, imported on first use.
   */
  public static Path bgeSmallModel(ProgressListener progress) throws IOException {
    Path dir = home().resolve(".cache/models/bge-small-dual-encoder");
    if (!Files.exists(new ModelDirectory(dir).manifest())) {
      progress.step("importing bge-small-en-v1.5 (from its Maven jar) with a dual-encoder "
          + "matcher into " + dir);
      WeightImporter.importBgeSmall(ModelPresets.get(ModelPresets.BGE_SMALL_EN_V15), List.of(),
          43, MatcherStart.DUAL_ENCODER, dir);
    }
    return dir;
  }

  /** The shared WikiMEL KB as KB JSONL, exported on first use. */
  public static Path wikiMelKb(ProgressListener progress) throws IOException {
    Path file = home().resolve(".cache/wikimel-kb.jsonl");
    if (!Files.exists(file)) {
      progress.step("exporting the shared WikiMEL KB to " + file);
      WikiMelKbExport.write(file, null);
    }
    return file;
  }
}
