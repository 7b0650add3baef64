package dev.mmel.app.cli;

import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.LabelledMention;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.io.ModelDirectory;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.pipeline.EmbeddedTarget;
import dev.mmel.pipeline.EncoderSettings;
import dev.mmel.pipeline.EntityEmbeddingJob;
import dev.mmel.pipeline.JobEnvironments;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntitiesResponse;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.LinkResult;
import dev.mmel.proto.v1.LinkedEntity;
import dev.mmel.proto.v1.Mention;
import dev.mmel.proto.v1.MentionOutcome;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.retriever.PublishPolicy;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.DirectMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The product path end to end on real data: builds an entity index of "
        + "WikiMEL KB entities with a real model (the full-build Flink job, in this JVM), "
        + "starts the gRPC server on it, links real WikiMEL test mentions through gRPC (DME, "
        + "ANN retrieval, MMoE rerank) and prints their answers and the Hits@1 on them.",
        "The default model is bge-small-en-v1.5 with a dual-encoder matcher start (imported "
        + "from its Maven jar on first use: real answers with no training); --model serves "
        + "yours (e.g. RUN/model of `mmel train`). The default KB is the mentions' gold "
        + "entities, every entity sharing a name with a mention, and random others up to "
        + "--kb-size entities, so the demo takes about 2 minutes on 2 cores; --kb-size 0 "
        + "indexes all 18,880 (several minutes)."})
public final class DemoCommand extends MmelCommand {
  @Option(names = "--model", paramLabel = "DIR",
      description = "Model directory to serve (default: .cache/models/bge-small-dual-encoder, "
          + "imported on first use).")
  Path model;

  @Option(names = "--mentions", defaultValue = "50",
      description = "WikiMEL test mentions to link (default ${DEFAULT-VALUE}).")
  int mentions;

  @Option(names = "--kb-size", defaultValue = "3000",
      description = "Entities to index (default ${DEFAULT-VALUE}; 0 = the whole KB).")
  int kbSize;

  @Option(names = "--show", defaultValue = "6",
      description = "Mentions whose answers are printed in full (default ${DEFAULT-VALUE}).")
  int show;

  @Option(names = "--seed", defaultValue = "43", description = "Sampling seed (default 43).")
  long seed;

  @Mixin
  ThreadsOption threads = new ThreadsOption();

  @Mixin
  DmeOptions dme = new DmeOptions();

  @Override
  public Integer call() throws Exception {
    if (mentions < 1 || mentions > 5000) {
      throw invalid("--mentions must be in [1, 5000], got " + mentions);
    }
    if (kbSize < 0) {
      throw invalid("--kb-size must be >= 0 (0 = the whole KB), got " + kbSize);
    }
    ConsoleProgress progress = progress("demo");
    if (model != null && !Files.isRegularFile(new ModelDirectory(model).manifest())) {
      throw invalid("--model " + model + " is not a model directory (no manifest.json there)");
    }
    Path modelDir = model != null ? model.toAbsolutePath() : Defaults.bgeSmallModel(progress);
    LinkingDataset wikimel = DatasetReaders.open(SharedData.file("wikimel"), DatasetFormat.AUTO);
    List<LabelledMention> chosen = sample(wikimel.split("test"));
    DemoKb kb = DemoKb.choose(wikimel.kb(), chosen,
        kbSize == 0 ? Integer.MAX_VALUE : kbSize, seed);
    Path home = Defaults.home().resolve(".cache/demo");
    Path kbFile = home.resolve("kb.jsonl");
    kb.write(kbFile);
    Path indexDir = home.resolve("index");
    progress.step(String.format(Locale.ROOT, "indexing %,d WikiMEL entities (%d gold, %d "
        + "sharing a name with a mention, the rest random) with %s", kb.entities().size(),
        kb.golds(), kb.sameName(), modelDir));
    EntityEmbeddingJob.Settings build = EntityEmbeddingJob.Settings.builder()
        .kbFiles(List.of(kbFile))
        .encoder(new EncoderSettings(modelDir.toString(), 32, threads.count(), "auto"))
        .target(new EmbeddedTarget(indexDir.toAbsolutePath().toString()))
        .buildId("demo" + System.currentTimeMillis())
        .parallelism(1)
        .malformedReport(home.resolve("malformed.txt"))
        // The demo's KB differs from run to run in size: each build replaces the last.
        .publishPolicy(PublishPolicy.forced())
        .build();
    ConsoleProgress indexing = progress.task("index build");
    EntityEmbeddingJob.Outcome outcome = EntityEmbeddingJob.run(JobEnvironments.local(1), build,
        (done, total) -> {
          if (done > 0) {
            indexing.count(done, total, "entities");
          }
        });
    indexing.done(String.format(Locale.ROOT, "%,d entities in %.0f s", outcome.encoded(),
        outcome.elapsed().toMillis() / 1e3));
    try (DmeOptions.Selector selector = dme.open(threads.count());
        EntityIndexStore store = new EmbeddedTarget(indexDir.toAbsolutePath().toString())
            .open()) {
      BindingLoader loader = new BindingLoader(new ModelRepository(modelDir),
          new SessionSettings(threads.count(), 0, "auto"),
          new CacheConfig(64 << 20, 10_000, 10_000, Duration.ofMinutes(5)),
          DirectMentionEncoder::new, selector.setup(), OptionalDouble.empty(), "embedded");
      progress.step("starting the server (DME " + selector.describe() + ")");
      try (LinkingServer server = LinkingServer.start(ServerSettings.builder().port(0)
          .metricsPort(0).build(), store, loader, new ServingMetrics(), Duration.ofMinutes(10),
          selector.describe())) {
        progress.step("linking " + chosen.size() + " WikiMEL test mentions through gRPC at "
            + "127.0.0.1:" + server.port());
        link(chosen, server.port(), kb.entities().size());
      }
    }
    return 0;
  }

  private List<LabelledMention> sample(List<LabelledMention> test) {
    List<LabelledMention> shuffled = new ArrayList<>(test);
    Collections.shuffle(shuffled, new Random(seed));
    return List.copyOf(shuffled.subList(0, Math.min(mentions, shuffled.size())));
  }

  private void link(List<LabelledMention> chosen, int port, int kbEntities) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    try {
      EntityLinkerGrpc.EntityLinkerBlockingStub stub = EntityLinkerGrpc.newBlockingStub(channel);
      int hits1 = 0;
      int hits5 = 0;
      double reciprocal = 0;
      int described = 0;
      List<Double> millis = new ArrayList<>();
      for (int i = 0; i < chosen.size(); i++) {
        LabelledMention mention = chosen.get(i);
        long start = System.nanoTime();
        LinkEntitiesResponse response = stub.withDeadlineAfter(30, TimeUnit.SECONDS)
            .linkEntities(LinkEntitiesRequest.newBuilder().addMentions(Mention.newBuilder()
                .setSurface(mention.mention()).setSentence(orEmpty(mention.sentence()))
                .setOptions(LinkOptions.newBuilder().setTopK(5))).build());
        millis.add((System.nanoTime() - start) / 1e6);
        MentionOutcome outcome = response.getOutcomes(0);
        if (outcome.hasError()) {
          err().println("error: " + mention.mention() + ": " + outcome.getError().getMessage());
          return;
        }
        LinkResult result = outcome.getResult();
        int rank = rankOf(result, mention.answerQid());
        hits1 += rank == 1 ? 1 : 0;
        hits5 += rank >= 1 && rank <= 5 ? 1 : 0;
        reciprocal += rank >= 1 ? 1.0 / rank : 0;
        described += result.getDescriptionUsed().isEmpty() ? 0 : 1;
        if (i < show) {
          print(mention, result);
        }
      }
      Collections.sort(millis);
      int n = chosen.size();
      out().printf(Locale.ROOT, "%nlinked %d WikiMEL test mentions against %,d entities: "
          + "H@1 %.1f%% (%d/%d), H@5 %.1f%%, MRR %.1f (gold ranked 6th or lower counts 0); "
          + "DME described %d; latency p50 %.1f ms, max %.1f ms (one mention per call)%n",
          n, kbEntities, 100.0 * hits1 / n, hits1, n, 100.0 * hits5 / n, 100 * reciprocal / n,
          described, millis.get(n / 2), millis.get(n - 1));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void print(LabelledMention mention, LinkResult result) {
    out().printf(Locale.ROOT, "%n\"%s\" in: %s%n  gold %s; DME: %s%n", mention.mention(),
        abbreviate(orEmpty(mention.sentence()), 90), mention.answerQid(),
        result.getDescriptionUsed().isEmpty() ? "none"
            : "\"" + abbreviate(result.getDescriptionUsed(), 70) + "\"");
    int rank = 1;
    for (LinkedEntity entity : result.getEntitiesList()) {
      if (rank > 3) {
        break;
      }
      out().printf(Locale.ROOT, "  %s %d. %-10s %-40s S %.4f (text %.4f, cross %.4f)%n",
          entity.getQid().equals(mention.answerQid()) ? "*" : " ", rank++, entity.getQid(),
          abbreviate(entity.getName(), 40), entity.getScore(), entity.getParts().getText(),
          entity.getParts().getCross());
    }
  }

  private static int rankOf(LinkResult result, String gold) {
    for (int i = 0; i < result.getEntitiesCount(); i++) {
      if (result.getEntities(i).getQid().equals(gold)) {
        return i + 1;
      }
    }
    return 0;
  }

  private static String orEmpty(String text) {
    return text == null ? "" : text;
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }
}
