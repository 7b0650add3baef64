package dev.mmel.app.cli;

import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.train.TrainingPreset;
import picocli.CommandLine.Option;

/** What `mmel train` needs to know about its dataset: spec 7's preset and the dev split. */
public final class TrainingDataOptions {
  @Option(names = "--preset", paramLabel = "NAME",
      description = {"Spec 7's per-dataset values: wikimel (lr 5e-6, k 3), richpediamel "
          + "(lr 1e-5, k 4), wikidiverse (lr 1e-5, k 2) or none (lr 1e-5, k 2).",
          "Default: the preset of the name the dataset declares (the WIKIMEL format; a "
              + "reference release's split-file prefix; a JSONL dataset's dataset.json); "
              + "refused when it declares none or another name. --lr and --top-k override it."})
  String preset;

  @Option(names = "--dev-from-train", paramLabel = "SHARE", defaultValue = "0",
      description = {"For a dataset without dev mentions: hold out this share of the training "
          + "samples (e.g. 0.1) as the dev split, chosen by --seed; the mentions of one sample "
          + "stay together, and run.json records the held-out sample ids.",
          "Default 0: validate on the dataset's dev split, and refuse to start without one."})
  double devFromTrain;

  /** The asked preset, else the dataset's; refuses when neither can be told. */
  TrainingPreset preset(LinkingDataset dataset) {
    return TrainingPreset.resolve(preset == null ? null : TrainingPreset.parse(preset),
        dataset.origin());
  }
}
