package dev.mmel.app.cli;

import dev.mmel.core.ProgressListener;
import dev.mmel.model.io.ModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model DIR}: a model directory that must exist; left out, the tiny random demo model
 * (created on first use). A mistyped path is an error, never a new random model.
 */
public final class ModelOption {
  @Option(names = "--model", paramLabel = "DIR",
      description = "Model directory (`mmel model init|import`, or RUN/model of `mmel train`). "
          + "Default: .cache/demo-model, a tiny model with random weights, created if missing.")
  Path model;

  /** The absolute model directory, checked to hold a model, or the demo model. */
  public Path resolve(ProgressListener progress) throws IOException {
    if (model == null) {
      return Defaults.demoModel(progress);
    }
    Path dir = model.toAbsolutePath();
    if (!Files.isRegularFile(new ModelDirectory(dir).manifest())) {
      throw new IllegalArgumentException("--model " + model + " is not a model directory (no "
          + "manifest.json there); create one with `mmel model init` or `mmel model import`, "
          + "or leave --model out for the demo model");
    }
    return dir;
  }

  public boolean given() {
    return model != null;
  }
}
