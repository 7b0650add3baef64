package dev.mmel.model.runtime;

import dev.mmel.core.LinkingModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens a model directory as the {@link LinkingModel} it holds: every module (index jobs,
 * evaluation, serving) loads models through here, so a directory works the same everywhere.
 */
public final class LinkingModels {
  private LinkingModels() {}

  /** @param verifyFiles check every file against the manifest first (skip where done before) */
  public static LinkingModel open(Path modelDir, SessionSettings settings, boolean verifyFiles)
      throws IOException {
    return MmoeModel.load(modelDir, settings, verifyFiles);
  }
}
