package dev.mmel.app.cli;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.config.ModelPresets;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMelKbExport;
import dev.mmel.model.io.ModelCreator;
import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the commands use when not told otherwise, under the checkout the launcher runs from
 * ({@code mmel.home}): the tiny random demo model and the shared WikiMEL KB, each made on first
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
