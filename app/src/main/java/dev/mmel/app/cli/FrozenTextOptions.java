package dev.mmel.app.cli;

import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.SharedData;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The dataset and backbone-feature options of `mmel train`, `evaluate` and `bench-index`. */
public final class FrozenTextOptions {
  @Option(names = "--data", paramLabel = "PATH",
      description = "Dataset directory (default: the shared WikiMEL data).")
  Path data;

  @Option(names = "--format", defaultValue = "AUTO",
      description = "AUTO, REFERENCE, WIKIMEL or JSONL (default AUTO).")
  DatasetFormat format;

  @Mixin
  public ThreadsOption threads = new ThreadsOption();

  @Option(names = "--feature-cache", defaultValue = ".cache/features", paramLabel = "DIR",
      description = "Where backbone features are cached (default .cache/features).")
  public Path featureCache;

  /** Whether no --data was given: the shared WikiMEL data is used. */
  public boolean isDefaultData() {
    return data == null;
  }

  public LinkingDataset openDataset() throws IOException {
    return DatasetReaders.open(data != null ? data : SharedData.file("wikimel"), format);
  }
}
