package dev.mmel.app.cli;

import dev.mmel.model.data.WikiMelKbExport;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "kb", mixinStandardHelpOptions = true,
    description = "Convert knowledge bases to mmel's KB JSONL format.",
    subcommands = {KbCommand.ExportWikiMel.class})
public final class KbCommand {

  @Command(name = "export-wikimel", mixinStandardHelpOptions = true,
      description = {"Writes the shared WikiMEL knowledge base (18,880 entities: name and "
          + "attribute abstract) as KB JSONL, with aliases from the shared Wikidata sample "
          + "where it has the entity."})
  static final class ExportWikiMel extends MmelCommand {
    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .jsonl.")
    Path out;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N entities.")
    Integer limit;

    @Override
    public Integer call() throws Exception {
      if (limit != null && limit < 1) {
        throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
      }
      ConsoleProgress progress = progress("kb export-wikimel");
      WikiMelKbExport.Summary summary = WikiMelKbExport.write(out, limit);
      progress.done(summary.entities() + " entities (" + summary.withAliases()
          + " with Wikidata aliases) to " + out);
      return 0;
    }
  }
}
