package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetJsonlWriter;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.LinkingDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Check and convert labelled datasets (docs/DATASETS.md).",
    subcommands = {DataCommand.Check.class, DataCommand.Convert.class})
public final class DataCommand {

  /** What both subcommands read. */
  static final class Source {
    @Parameters(index = "0", paramLabel = "DIR", description = "Dataset directory.")
    Path location;

    @Option(names = "--format", defaultValue = "AUTO", description = "AUTO (default), "
        + "REFERENCE, WIKIMEL or JSONL.")
    DatasetFormat format;

    LinkingDataset open() throws java.io.IOException {
      return DatasetReaders.open(location, format);
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Reads a dataset and prints what was kept, dropped and skipped as malformed.")
  static final class Check extends MmelCommand {
    @Mixin
    Source source;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
      LinkingDataset dataset = source.open();
      out().print(dataset.report().summary());
      if (json != null) {
        Path dir = json.toAbsolutePath().getParent();
        if (dir != null) {
          Files.createDirectories(dir);
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter()
            .writeValue(json.toFile(), dataset.report().toJson());
      }
      return 0;
    }
  }

  @Command(name = "convert", mixinStandardHelpOptions = true,
      description = "Writes a dataset in mmel's JSONL format (kb.jsonl, mentions-SPLIT.jsonl).")
  static final class Convert extends MmelCommand {
    @Mixin
    Source source;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws Exception {
      LinkingDataset dataset = source.open();
      DatasetJsonlWriter.write(dataset, out);
      out().print(dataset.report().summary());
      out().println("written to " + out);
      return 0;
    }
  }
}
