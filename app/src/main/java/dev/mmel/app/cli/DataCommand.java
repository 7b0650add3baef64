package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetJsonlWriter;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.KbJsonl;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.MalformedRecord;
import dev.mmel.model.dme.DatasetDescriptions;
import dev.mmel.model.dme.KbDescriptionCandidates;
import dev.mmel.model.dme.SimilaritySelector;
import dev.mmel.model.dme.SurfaceMatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "data", mixinStandardHelpOptions = true,
    description = "Check, convert and describe (DME) labelled datasets (docs/DATASETS.md).",
    subcommands = {DataCommand.Check.class, DataCommand.Convert.class, DataCommand.Dme.class})
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
      description = "Writes a dataset in mmel's JSONL format (kb.jsonl, mentions-SPLIT.jsonl, "
          + "and dataset.json with the name the dataset declares, which picks its training "
          + "preset).")
  static final class Convert extends MmelCommand {
    @Mixin
    Source source;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME",
        description = {"The name to declare in dataset.json (default: the name the source "
            + "declares, if any).",
            "WikiMEL, RichpediaMEL or WikiDiverse give `mmel train` spec 7's preset for that "
                + "dataset; another name asks for --preset."})
    String name;

    @Override
    public Integer call() throws Exception {
      LinkingDataset dataset = source.open();
      if (name != null) {
        if (name.isBlank()) {
          throw invalid("--name must be non-empty");
        }
        dataset = dataset.named(name, "--name");
      }
      DatasetJsonlWriter.write(dataset, out);
      out().print(dataset.report().summary());
      out().println("written to " + out);
      return 0;
    }
  }

  @Command(name = "dme", mixinStandardHelpOptions = true,
      description = {"DME (spec 3) over a dataset: every mention without a description gets "
          + "the one DME chooses among the KB entities its surface names (by name or alias), "
          + "as serving chooses it, and the dataset is written in mmel's JSONL format for "
          + "`mmel train` and `mmel evaluate` (--data DIR). Descriptions the dataset already "
          + "has are kept.",
          "Reports per split how many mentions got a description, how often it is the gold "
          + "entity's own, and how often the gold entity was in the candidate pool."})
  static final class Dme extends MmelCommand {
    @Mixin
    FrozenTextOptions dataset = new FrozenTextOptions();

    @Option(names = "--kb", paramLabel = "FILE",
        description = "KB JSONL whose names and aliases give the candidates; use the KB the "
            + "index is built from, so serving chooses alike. Default: for the shared WikiMEL "
            + "data, the KB `mmel index build` uses (.cache/wikimel-kb.jsonl, with Wikidata "
            + "aliases); otherwise the dataset's own KB.")
    Path kb;

    @Option(names = "--dme-match", defaultValue = "partial", paramLabel = "exact|partial",
        converter = SurfaceMatchConverter.class,
        description = "Which entities a surface names: exact (normalised name or alias equal) "
            + "or partial (exact, else a leading or trailing run of a name's words: \"Powers\" "
            + "finds Stefanie Powers). Use what `mmel serve --dme-match` uses. Default: "
            + "${DEFAULT-VALUE}.")
    SurfaceMatch match;

    @Option(names = "--out", required = true, paramLabel = "DIR",
        description = "Where the described dataset is written (mmel JSONL).")
    Path out;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
      ConsoleProgress progress = progress("data dme");
      LinkingDataset source = dataset.openDataset();
      List<KbEntity> candidatesKb = candidateKb(source, progress);
      progress.step("candidates from " + candidatesKb.size() + " KB entities, "
          + SurfaceMatchConverter.name(match) + " match; selector: bge-small similarity");
      DatasetDescriptions.Result result;
      try (SimilaritySelector selector = SimilaritySelector.open(dataset.threads.count())) {
        result = new DatasetDescriptions(new KbDescriptionCandidates(candidatesKb, match), selector)
            .describe(source, progress);
      }
      DatasetJsonlWriter.write(result.dataset(), out);
      out().println("| split | mentions | kept from the dataset | chosen by DME | chosen is the "
          + "gold's own | gold in the candidate pool | no candidate |");
      out().println("|---|---|---|---|---|---|---|");
      Map<String, Object> json = new LinkedHashMap<>();
      result.report().forEach((split, r) -> {
        out().printf(Locale.ROOT, "| %s | %,d | %,d | %,d | %,d | %,d | %,d |%n", split,
            r.mentions(), r.kept(), r.described(), r.goldOwn(), r.goldInPool(),
            r.noCandidate());
        json.put(split, r.toJson());
      });
      out().println("written to " + out);
      if (this.json != null) {
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(this.json.toFile(), json);
      }
      return 0;
    }

    private List<KbEntity> candidateKb(LinkingDataset source, ConsoleProgress progress)
        throws java.io.IOException {
      Path file = kb != null ? kb : dataset.isDefaultData() ? Defaults.wikiMelKb(progress) : null;
      if (file == null) {
        return source.kb();
      }
      List<KbEntity> entities = new ArrayList<>();
      List<MalformedRecord> malformed = new ArrayList<>();
      KbJsonl.read(file, entities::add, malformed::add);
      if (!malformed.isEmpty()) {
        err().println(malformed.size() + " malformed KB records skipped, e.g. "
            + malformed.get(0));
      }
      return entities;
    }
  }
}
