package dev.mmel.app.bench;

import dev.mmel.app.cli.ConsoleProgress;
import dev.mmel.app.cli.Defaults;
import dev.mmel.app.cli.MmelCommand;
import dev.mmel.app.cli.ModelOption;
import dev.mmel.app.cli.ServingTuning;
import dev.mmel.app.cli.TargetOptions;
import dev.mmel.app.cli.ThreadsOption;
import dev.mmel.core.LinkingModel;
import dev.mmel.model.data.DatasetFormat;
import dev.mmel.model.data.DatasetReaders;
import dev.mmel.model.data.KbEntity;
import dev.mmel.model.data.LinkingDataset;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.runtime.LinkingModels;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.GetInfoResponse;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.EntityIndex;
import dev.mmel.retriever.EntityIndexStore;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingLimits;
import dev.mmel.testkit.GoTools;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `mmel bench serving`: the load benchmark of the serving tier, on 127.0.0.1: latency and
 * throughput of LinkEntity under fixed concurrency from two clients (a Java load generator and
 * ghz), against the model's own compute measured in the same rounds.
 */
@Command(name = "serving", mixinStandardHelpOptions = true,
    description = {"Load benchmark of the serving tier on 127.0.0.1: starts a LinkingServer in "
        + "this JVM over --model and the live build of --index (or --milvus), as `mmel serve` "
        + "would with DME off, or loads a running one (--target). Queries are real dataset "
        + "mentions (the first --queries of WikiMEL's test split by default), each sent as "
        + "LinkEntity with candidates_k --candidates-k.",
        "Two clients load it at each --concurrency level: a bounded Java load generator "
        + "(closed loop over one channel) and ghz, the independent gRPC load tool, installed by "
        + "infra/tools.sh (server reflection, the same requests as a --data-file JSON array, "
        + "one connection, its JSON report parsed). Each run sends --warmup calls first, not "
        + "measured, then --requests calls (or runs --duration). Reported per level and "
        + "client: p50, p99, throughput and errors by gRPC status.",
        "Baselines, measured in the same rounds: the model's own compute for one request "
        + "(prepare and encode the mention, score its K candidates with score_candidates, "
        + "called directly on the model; candidates read before the clock) and the raw batched "
        + "throughput (--max-batch mentions encoded in one call and scored in one call). "
        + "Ratios: serving overhead = served p50 at concurrency 1 / compute p50 (goal <= "
        + "1.15); saturation = served throughput at the highest level / raw batched "
        + "throughput (goal >= 0.8). Configurations are interleaved round-robin over "
        + "--rounds rounds and medians reported, so a change in machine load hits baseline and "
        + "measurement alike: each round measures the compute, then the lowest level, then "
        + "the batched throughput, then the other levels, the clients taking turns to go first.",
        "--scale N pads a copy of the index with synthetic entities up to N (kept in "
        + "--scale-dir for the next run), serves both and reports both, and how many top-1 "
        + "answers differ between them for the same queries. --soak D then loads the first "
        + "index at --rate-share of the measured saturation throughput, first for --soak-warmup "
        + "(not judged) and then for D, reporting errors and this process' resident memory at "
        + "the soak's start and end, split into heap, mapped files and native memory (goal: "
        + "growth <= 5%%, 0 errors).",
        "Markdown tables on stdout, progress on stderr."})
public final class ServingBenchCommand extends MmelCommand {
  /** Lower case: picocli matches the option's values to these names. */
  enum Client { java, ghz }

  private static final double OVERHEAD_GOAL = 1.15;
  private static final double SATURATION_GOAL = 0.8;
  private static final double MEMORY_GROWTH_GOAL = 5.0;

  @Mixin
  ModelOption model;

  @Mixin
  TargetOptions index;

  @Option(names = "--target", paramLabel = "HOST:PORT",
      description = "Load a server already running there instead of starting one; the "
          + "baselines still run here, over --model (which must be the model it serves) and "
          + "--index or --milvus.")
  String target;

  @Option(names = "--data", paramLabel = "PATH",
      description = "Dataset directory the queries come from (default: the shared WikiMEL "
          + "data).")
  Path data;

  @Option(names = "--split", paramLabel = "NAME", defaultValue = "test",
      description = "The split whose mentions are the queries (default ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--queries", paramLabel = "Q", defaultValue = "1000",
      description = "The first Q mentions of the split, sent round-robin (default "
          + "${DEFAULT-VALUE}).")
  int queries;

  @Option(names = "--concurrency", paramLabel = "C", split = ",", defaultValue = "1,8,32",
      description = "Concurrency levels: calls in flight at once, per client (default "
          + "${DEFAULT-VALUE}).")
  int[] concurrency;

  @Option(names = "--requests", paramLabel = "N", defaultValue = "1000",
      description = "Measured calls per level, client and round (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--duration", paramLabel = "D",
      description = "Instead of --requests: how long each level, client and round runs, "
          + "warm-up included, e.g. 20s.")
  Duration duration;

  @Option(names = "--warmup", paramLabel = "W", defaultValue = "100",
      description = "Calls sent before each measured run, not measured (default "
          + "${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
      description = "Rounds over every configuration, interleaved; medians reported (default "
          + "${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--clients", paramLabel = "CLIENT", split = ",", defaultValue = "java,ghz",
      description = "Load clients: java, ghz or both (default ${DEFAULT-VALUE}).")
  Client[] clients;

  @Option(names = "--ghz", paramLabel = "FILE",
      description = "The ghz executable (default: the one infra/tools.sh installs, installing "
          + "it first if need be).")
  Path ghz;

  @Option(names = "--candidates-k", paramLabel = "K", defaultValue = "50",
      description = "Candidates each request retrieves and reranks, and the baselines score "
          + "(default ${DEFAULT-VALUE}, the server's default).")
  int candidatesK;

  @Option(names = "--baseline-calls", paramLabel = "N", defaultValue = "300",
      description = "Measured single-mention model calls per round; the batched baseline "
          + "runs as many mentions, at least 3 batches (default ${DEFAULT-VALUE}).")
  int baselineCalls;

  @Mixin
  ThreadsOption threads;

  /** The server's (and, for --device, the baselines'). */
  @Mixin
  ServingTuning tuning;

  @Option(names = "--deadline", paramLabel = "D", defaultValue = "10s",
      description = "Deadline of each call, both clients (default ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(names = "--scale", paramLabel = "N",
      description = "Also serve a copy of the embedded index padded with synthetic entities "
          + "up to N (e.g. 1000000) and compare.")
  Integer scale;

  @Option(names = "--scale-dir", paramLabel = "DIR",
      description = "Where the padded index is made and kept for later runs (default "
          + ".cache/bench-serving/scale-N).")
  Path scaleDir;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
      description = "Seed of the synthetic entities (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--soak", paramLabel = "D",
      description = "After the rounds, load the first index for D (e.g. 30m) at --rate-share "
          + "of the saturation throughput measured, watching errors and resident memory.")
  Duration soak;

  @Option(names = "--soak-warmup", paramLabel = "D", defaultValue = "5m",
      description = "Load at the soak's rate for D before the soak's first memory reading "
          + "(default ${DEFAULT-VALUE}): the JVM grows the heap it has committed over the "
          + "first minutes of load, which is not a leak.")
  Duration soakWarmup;

  @Option(names = "--rate-share", paramLabel = "S", defaultValue = "0.8",
      description = "The soak's rate as a share of the saturation throughput (default "
          + "${DEFAULT-VALUE}).")
  double rateShare;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Where ghz's requests and reports go, deleted at the end (default "
          + ".cache/bench-serving).")
  Path workDir;

  /** A server the clients load: started here or running elsewhere. */
  record Target(String label, long entities, String address, JavaLoad java, GhzLoad ghz) {}

  @Override
  public Integer call() throws Exception {
    checkOptions();
    ConsoleProgress progress = progress("bench serving");
    Path home = Defaults.home();
    LinkingDataset dataset = DatasetReaders.open(data != null ? data
        : SharedData.file("wikimel"), DatasetFormat.AUTO);
    ServingQueries sent = ServingQueries.of(dataset, split, queries, candidatesK);
    Path modelDir = model.resolve(progress);
    Path work = (workDir != null ? workDir : home.resolve(".cache/bench-serving"))
        .toAbsolutePath().resolve("run-" + Long.toString(System.currentTimeMillis(), 36));
    SessionSettings session = tuning.session(threads.count());
    try (Cleanup cleanup = new Cleanup()) {
      Files.createDirectories(work);
      cleanup.add(() -> BenchSupport.deleteTree(work));
      EntityIndexStore store = cleanup.add(index.openExisting(home));
      String buildId = store.liveBuildId().orElseThrow(() -> new IllegalArgumentException(
          "nothing is published in " + index.describe(home) + "; run `mmel index build`"));
      EntityIndex live = cleanup.add(store.openLive());
      progress.step("loading the model for the baselines from " + modelDir);
      LinkingModel direct = cleanup.add(LinkingModels.open(modelDir, session, true));
      if (!direct.version().equals(live.modelVersion())) {
        throw invalid("--model " + modelDir + " is model " + direct.version() + ", but build "
            + buildId + " of " + index.describe(home) + " was written by "
            + live.modelVersion() + "; give --model the model that built the index");
      }
      Path ghzBinary = ghzBinary();
      Path dataFile = sent.writeJson(work.resolve("requests.json"));
      List<Target> targets = new ArrayList<>();
      if (target != null) {
        targets.add(connect(cleanup, "target " + target, -1, target, ghzBinary, dataFile,
            work, sent, direct.version()));
      } else {
        ServerSettings settings = serverSettings();
        BatcherSettings batching = tuning.batching();
        CacheConfig cache = tuning.cache();
        progress.step("starting the server over build " + buildId + " of "
            + index.describe(home));
        LinkingServer server = cleanup.add(BenchServer.start(modelDir, store, index.kind(),
            settings, batching, session, cache));
        targets.add(connect(cleanup, index.kind(), live.count(), "127.0.0.1:" + server.port(),
            ghzBinary, dataFile, work, sent, direct.version()));
        if (scale != null) {
          Path padded = (scaleDir != null ? scaleDir
              : home.resolve(".cache/bench-serving/scale-" + scale)).toAbsolutePath();
          EntityIndexStore paddedStore = cleanup.add(PaddedIndex.open(live, buildId,
              dataset.kb().stream().map(KbEntity::qid).toList(), scale, seed, padded,
              progress));
          progress.step("starting a second server over the padded index in " + padded);
          LinkingServer big = cleanup.add(BenchServer.start(modelDir, paddedStore, "embedded",
              settings, batching, session, cache));
          targets.add(connect(cleanup, "embedded, padded", scale, "127.0.0.1:" + big.port(),
              ghzBinary, dataFile, work, sent, direct.version()));
        }
      }
      progress.step("retrieving the baselines' candidates");
      int baselineMentions = Math.min(sent.size(), Math.max(baselineCalls, tuning.maxBatch()));
      ModelBaselines baselines = ModelBaselines.prepare(direct, live,
          sent.inputs().subList(0, baselineMentions), candidatesK, tuning.maxBatch(),
          progress.task("bench serving candidates"));
      ServingBenchReport report = new ServingBenchReport(out(), targets.size(), levels(),
          clientNames(), rounds);
      measure(targets, baselines, report, progress);
      progress.done("rounds measured");
      report.header(describe(sent, direct.version(), buildId, baselines.k()));
      report.table(targets);
      report.baselines(baselines.k(), tuning.maxBatch());
      report.ratios(OVERHEAD_GOAL, SATURATION_GOAL);
      if (Arrays.asList(clients).contains(Client.java)) {
        List<JavaLoad.Stages> stages = new ArrayList<>();
        for (Target t : targets) {
          progress.step("stage timings of " + t.label() + " at concurrency 1");
          stages.add(t.java().stages(Math.min(warmup, 100), Math.min(requests, 300)));
        }
        report.stages(targets, stages);
      }
      if (targets.size() > 1) {
        compareAnswers(targets, sent, report, progress);
      }
      if (soak != null) {
        soak(targets.get(0), report, progress);
      }
    }
    return 0;
  }

  private void measure(List<Target> targets, ModelBaselines baselines,
      ServingBenchReport report, ConsoleProgress progress) throws Exception {
    int batches = Math.max(3, (baselineCalls + tuning.maxBatch() - 1) / tuning.maxBatch());
    for (int round = 0; round < rounds; round++) {
      String prefix = String.format(Locale.ROOT, "round %d of %d: ", round + 1, rounds);
      for (RoundSchedule.Step step : RoundSchedule.of(round, targets.size(), levels(),
          clientNames())) {
        if (step instanceof RoundSchedule.Compute) {
          progress.step(prefix + "model compute, one mention at a time");
          report.single(round, baselines.single(Math.min(20, baselineCalls), baselineCalls,
              progress.task("bench serving compute")));
        } else if (step instanceof RoundSchedule.Batched) {
          progress.step(prefix + "model compute, batches of " + tuning.maxBatch());
          report.batched(round, baselines.batched(tuning.maxBatch(), 1, batches,
              progress.task("bench serving batched")));
        } else if (step instanceof RoundSchedule.Serve serve) {
          Target target = targets.get(serve.target());
          Client client = Client.valueOf(serve.client());
          progress.step(String.format(Locale.ROOT, "%s%s, %s client, concurrency %d",
              prefix, target.label(), client, serve.level()));
          report.served(serve.target(), serve.level(), client.name(), round, load(target,
              client, serve.level(), progress.task("bench serving " + client + " c="
                  + serve.level())));
        }
      }
    }
  }

  private LoadResult load(Target target, Client client, int level, ConsoleProgress progress)
      throws Exception {
    if (client == Client.ghz) {
      return target.ghz().run(level, warmup, requests, duration);
    }
    JavaLoad.Plan plan = duration != null ? JavaLoad.Plan.timed(level, warmup, duration)
        : JavaLoad.Plan.count(level, warmup, requests);
    return target.java().run(plan, JavaLoad.Monitor.of(progress));
  }

  /** Top-1 answers of every query from the first and the last target, compared. */
  private void compareAnswers(List<Target> targets, ServingQueries sent,
      ServingBenchReport report, ConsoleProgress progress) throws InterruptedException {
    int level = levels()[levels().length - 1];
    List<String[]> answers = new ArrayList<>();
    for (Target target : List.of(targets.get(0), targets.get(targets.size() - 1))) {
      progress.step("top-1 answers of the " + sent.size() + " queries from " + target.label());
      answers.add(target.java().answers(level, progress.task("bench serving answers")));
    }
    report.answers(targets.get(0), targets.get(targets.size() - 1), answers.get(0),
        answers.get(1), sent.gold(), PaddedIndex.QID_PREFIX);
  }

  private void soak(Target target, ServingBenchReport report, ConsoleProgress progress)
      throws InterruptedException {
    int level = levels()[levels().length - 1];
    String client = Arrays.asList(clients).contains(Client.java) ? Client.java.name()
        : Client.ghz.name();
    double saturation = report.medianThroughput(0, level, client);
    double rate = rateShare * saturation;
    progress.step(String.format(Locale.ROOT, "soak: %s at %.1f calls/s (%.2f x the %.1f "
        + "calls/s of %s at concurrency %d), %s of warm-up and then %s", target.label(), rate,
        rateShare, saturation, client, level, human(soakWarmup), human(soak)));
    SoakRun.Outcome outcome = new SoakRun(target.java(), level, rate, this.target == null)
        .run(soakWarmup, soak, progress);
    report.soak(target, soakWarmup, soak, rate, rateShare, saturation, outcome,
        MEMORY_GROWTH_GOAL);
  }

  /** 2 ms, 20 s, 30 min: a duration as the tables print it. */
  static String human(Duration value) {
    if (value.toMillis() < 1000) {
      return value.toMillis() + " ms";
    }
    if (value.toSeconds() < 600 || value.toSeconds() % 60 != 0) {
      return String.format(Locale.ROOT, "%,d s", value.toSeconds());
    }
    return String.format(Locale.ROOT, "%,d min", value.toMinutes());
  }

  private Target connect(Cleanup cleanup, String label, long entities, String address,
      Path ghzBinary, Path dataFile, Path work, ServingQueries sent, String modelVersion)
      throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forTarget(address).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    cleanup.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    GetInfoResponse info = EntityLinkerGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS).getInfo(GetInfoRequest.getDefaultInstance());
    if (!info.getModelVersion().equals(modelVersion)) {
      throw invalid("the server at " + address + " serves model " + info.getModelVersion()
          + ", not " + modelVersion + " (--model); the baselines must run the served model");
    }
    if (candidatesK > info.getLimits().getMaxCandidatesK()) {
      throw invalid("--candidates-k " + candidatesK + " is more than the server at " + address
          + " allows (" + info.getLimits().getMaxCandidatesK() + ")");
    }
    long size = entities >= 0 ? entities : info.getIndexSize();
    return new Target(String.format(Locale.ROOT, "%s (%,d entities)", label, size), size,
        address, new JavaLoad(channel, sent.requests(), deadline),
        ghzBinary == null ? null : new GhzLoad(ghzBinary, address, dataFile, work, deadline));
  }

  private Path ghzBinary() throws Exception {
    if (!Arrays.asList(clients).contains(Client.ghz)) {
      return null;
    }
    if (ghz != null) {
      if (!Files.isExecutable(ghz)) {
        throw invalid("--ghz " + ghz + " is not an executable file");
      }
      return ghz.toAbsolutePath();
    }
    return GoTools.binary("ghz");
  }

  private ServerSettings serverSettings() {
    return ServerSettings.builder().host("127.0.0.1").port(0).metricsPort(0)
        .limits(ServingLimits.builder().build()).defaultDeadline(deadline)
        .indexTimeout(tuning.indexTimeout()).handlerThreads(tuning.handlerThreads())
        .shutdownGrace(Duration.ofSeconds(5)).build();
  }

  private String describe(ServingQueries sent, String modelVersion, String buildId, int k) {
    String load = duration != null ? "runs of " + human(duration) + " per level, client and round, "
        + "warm-up included" : String.format(Locale.ROOT, "%,d measured calls per level, "
        + "client and round", requests);
    return String.format(Locale.ROOT, "%s: the first %,d mentions (%,d with a photo) sent "
        + "round-robin as LinkEntity, candidates_k %d (the baselines score %d), top_k the "
        + "server's default; %s, after %,d warm-up calls; medians of %d interleaved rounds. "
        + "%s. Model %s; index build %s.", sent.source(), sent.size(), sent.withImage(),
        candidatesK, k, load, warmup, rounds, target != null ? "Server: " + target
            + " (already running)"
            : String.format(Locale.ROOT, "Server in this JVM on 127.0.0.1, DME off, batches "
                + "of up to %d mentions, max wait %s, queue %,d, %d handler threads, %d "
                + "TensorFlow threads (device %s); the clients run on the same machine",
                tuning.maxBatch(), human(tuning.maxWait()), tuning.queue(),
                tuning.handlerThreads(), threads.count(), tuning.device()),
        modelVersion, buildId);
  }

  private int[] levels() {
    return Arrays.stream(concurrency).distinct().sorted().toArray();
  }

  private List<String> clientNames() {
    return Arrays.stream(clients).distinct().map(Client::name).toList();
  }

  private void checkOptions() {
    if (concurrency.length == 0) {
      throw invalid("--concurrency needs at least one level");
    }
    for (int level : concurrency) {
      within("--concurrency", level, 1, 4096);
    }
    if (clients.length == 0) {
      throw invalid("--clients needs java, ghz or both");
    }
    Set<Client> distinct = new LinkedHashSet<>(Arrays.asList(clients));
    clients = distinct.toArray(Client[]::new);
    within("--queries", queries, 1, 1_000_000);
    within("--requests", requests, 1, 100_000_000);
    within("--warmup", warmup, 0, 1_000_000);
    within("--rounds", rounds, 1, 100);
    within("--candidates-k", candidatesK, 1, ServingLimits.builder().build().maxCandidatesK());
    within("--baseline-calls", baselineCalls, 1, 1_000_000);
    within("--max-batch", tuning.maxBatch(), 1, 65_536);
    within("--queue", tuning.queue(), 1, 1_000_000);
    within("--handler-threads", tuning.handlerThreads(), 1, 4096);
    within("--cache-mb", tuning.cacheMb(), 0, 64 << 10);
    positive("--deadline", deadline);
    Duration wait = tuning.maxWait();
    if (wait.isNegative() || wait.compareTo(Duration.ofSeconds(1)) > 0) {
      throw invalid("--max-wait must be within 0..1s, got " + tuning.maxWait());
    }
    if (duration != null) {
      positive("--duration", duration);
    }
    if (soak != null) {
      positive("--soak", soak);
      if (soakWarmup.isNegative()) {
        throw invalid("--soak-warmup must be >= 0, got " + soakWarmup);
      }
      if (!Arrays.asList(clients).contains(Client.java)) {
        throw invalid("--soak loads with the Java client: keep java in --clients");
      }
    }
    if (!(rateShare > 0 && rateShare <= 2)) {
      throw invalid("--rate-share must be within (0, 2], got " + rateShare);
    }
    if (target != null && !target.matches("[^:\\s]+:\\d{1,5}")) {
      throw invalid("--target must be HOST:PORT, got '" + target + "'");
    }
    if (scale != null) {
      within("--scale", scale, 2, 100_000_000);
      if (target != null) {
        throw invalid("--scale starts servers over the embedded index and its padded copy; "
            + "it cannot be combined with --target");
      }
      if (index.kind().equals("milvus")) {
        throw invalid("--scale pads a copy of the embedded index; it cannot be combined with "
            + "--milvus");
      }
    } else if (scaleDir != null) {
      throw invalid("--scale-dir needs --scale");
    }
  }

  private void within(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw invalid(option + " must be within " + min + ".." + max + ", got " + value);
    }
  }

  private void positive(String option, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw invalid(option + " must be > 0, got " + value);
    }
  }
}
