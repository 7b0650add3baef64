package dev.mmel.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.model.eval.PairedBootstrap;
import dev.mmel.model.eval.RankComparison;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Compares two `mmel evaluate --json` reports of the same mentions against "
        + "the same KB, mention by mention (paired by sample id and mention index): H@1, H@5 "
        + "and MRR of both, the differences (second minus first) with paired bootstrap "
        + "confidence intervals, and how many mentions got better or worse at H@1.",
        "Refuses reports over different mentions or KBs, saying which."})
public final class CompareCommand extends MmelCommand {
  @Parameters(index = "0", paramLabel = "FIRST", description = "The baseline report.")
  Path first;

  @Parameters(index = "1", paramLabel = "SECOND", description = "The report compared with it.")
  Path second;

  @Option(names = "--resamples", defaultValue = "10000",
      description = "Bootstrap resamples of the mentions (default 10000).")
  int resamples;

  @Option(names = "--seed", defaultValue = "43",
      description = "Seed of the resampling (default 43); the same seed, the same intervals.")
  long seed;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the comparison here.")
  Path json;

  @Override
  public Integer call() throws Exception {
    PairedBootstrap bootstrap =
        new PairedBootstrap(resamples, PairedBootstrap.DEFAULT_LEVEL, seed);
    EvaluationReportFile a = EvaluationReportFile.read(first);
    EvaluationReportFile b = EvaluationReportFile.read(second);
    EvaluationReportFile.requireSameKb(a, b);
    RankComparison comparison = RankComparison.of(first.toString(), a.ranks(),
        second.toString(), b.ranks(), bootstrap);
    int percent = (int) Math.round(100 * bootstrap.level());
    out().println("first:  " + a.describe());
    out().println("second: " + b.describe());
    out().printf(Locale.ROOT, "| metric | first | second | second - first | %d%% CI |%n",
        percent);
    out().println("|---|---|---|---|---|");
    for (RankComparison.Metric m : comparison.metrics()) {
      PairedBootstrap.Interval d = m.difference();
      out().printf(Locale.ROOT, "| %s | %.2f | %.2f | %+.2f | [%+.2f, %+.2f] |%n", m.name(),
          m.first(), m.second(), d.difference(), d.lower(), d.upper());
    }
    out().printf(Locale.ROOT, "H@1: %s improved, %,d worsened, of %,d; paired bootstrap over "
        + "mentions, %,d resamples, seed %d%n",
        Plural.of(comparison.improvedAt1(), "mention", "mentions"), comparison.worsenedAt1(),
        comparison.mentions(), bootstrap.resamples(), bootstrap.seed());
    if (json != null) {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(),
          toJson(a, b, comparison, bootstrap));
      out().println("comparison: " + json);
    }
    return 0;
  }

  private static Map<String, Object> toJson(EvaluationReportFile a, EvaluationReportFile b,
      RankComparison comparison, PairedBootstrap bootstrap) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("first", a.file().toString());
    json.put("second", b.file().toString());
    json.put("mentions", comparison.mentions());
    List<Map<String, Object>> metrics = comparison.metrics().stream().map(m -> {
      Map<String, Object> metric = new LinkedHashMap<>();
      metric.put("metric", m.name());
      metric.put("first", m.first());
      metric.put("second", m.second());
      metric.put("difference", m.difference().difference());
      metric.put("ci_lower", m.difference().lower());
      metric.put("ci_upper", m.difference().upper());
      return metric;
    }).toList();
    json.put("metrics", metrics);
    json.put("improved_at_1", comparison.improvedAt1());
    json.put("worsened_at_1", comparison.worsenedAt1());
    json.put("bootstrap", Map.of("resamples", bootstrap.resamples(), "level", bootstrap.level(),
        "seed", bootstrap.seed()));
    return json;
  }
}
