package dev.mmel.app.bench;

import com.google.protobuf.util.JsonFormat;
import dev.mmel.app.cli.ConsoleProgress;
import dev.mmel.app.cli.Defaults;
import dev.mmel.app.cli.MmelCommand;
import dev.mmel.model.data.SharedData;
import dev.mmel.model.data.WikiMel;
import dev.mmel.model.runtime.SessionSettings;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.LinkEntityResponse;
import dev.mmel.proto.v1.LinkOptions;
import dev.mmel.proto.v1.Mention;
import dev.mmel.retriever.CacheConfig;
import dev.mmel.retriever.embedded.EmbeddedEntityIndexStore;
import dev.mmel.serving.batch.BatchObserver;
import dev.mmel.serving.batch.BatcherSettings;
import dev.mmel.serving.grpc.LinkingServer;
import dev.mmel.serving.grpc.ServerSettings;
import dev.mmel.serving.grpc.ServingMetrics;
import dev.mmel.serving.link.BatchedMentionEncoder;
import dev.mmel.serving.state.BindingLoader;
import dev.mmel.serving.state.ModelRepository;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mmel bench-http`: what the HTTP/JSON door costs over gRPC for the same requests. */
@Command(name = "bench-http", mixinStandardHelpOptions = true,
    description = {"Latency (p50, p99) and throughput of POST /v1/link (JSON over HTTP/1.1, "
        + "java.net.http) against LinkEntity (protobuf over gRPC, grpc-java Netty) on one "
        + "server in this JVM, for the same WikiMEL test mentions, at each concurrency "
        + "(target: HTTP p50 <= 1.1x gRPC's).",
        "The server serves the live build of the embedded index (.cache/index) with its model "
        + "(.cache/demo-model by default; `mmel index build` makes both), DME off so that "
        + "only the transports differ. Both clients build and parse full messages. After a "
        + "warm-up, transports and concurrencies are interleaved round-robin; medians of the "
        + "rounds are reported. Markdown on stdout, progress on stderr."})
public final class HttpBenchCommand extends MmelCommand {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Option(names = "--model", paramLabel = "PATH",
      description = "The model directory that wrote the index (default .cache/demo-model).")
  Path model;

  @Option(names = "--index", paramLabel = "DIR",
      description = "Embedded index directory (default .cache/index).")
  Path index;

  @Option(names = "--requests", defaultValue = "200",
      description = "Requests per transport, concurrency and round (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--rounds", defaultValue = "5",
      description = "Measured rounds after one warm-up round (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--concurrency", split = ",", defaultValue = "1,8",
      description = "Client threads, comma-separated (default ${DEFAULT-VALUE}).")
  int[] concurrency;

  private record Cell(double p50Ms, double p99Ms, double perSecond) {}

  @Override
  public Integer call() throws Exception {
    ConsoleProgress progress = progress("bench-http");
    Path models = model != null ? model.toAbsolutePath() : Defaults.demoModel(progress);
    Path indexDir = index != null ? index : Defaults.home().resolve(".cache/index");
    List<LinkEntityRequest> mentions = mentions();
    List<String> bodies = new ArrayList<>();
    for (LinkEntityRequest request : mentions) {
      bodies.add(JsonFormat.printer().omittingInsignificantWhitespace().print(request));
    }
    ServingMetrics metrics = new ServingMetrics();
    int httpPort = freePort();
    try (EmbeddedEntityIndexStore store = new EmbeddedEntityIndexStore(indexDir);
        LinkingServer server = LinkingServer.start(ServerSettings.builder().port(0)
            .metricsPort(0).httpPort(httpPort).build(), store, new BindingLoader(
                new ModelRepository(models), SessionSettings.defaults(), CacheConfig.defaults(),
                m -> new BatchedMentionEncoder(m, BatcherSettings.builder("mentions")
                    .maxBatchSize(32).maxWait(Duration.ofMillis(2)).queueCapacity(1024).build(),
                    BatchObserver.NONE), Optional.empty(), OptionalDouble.empty(), "embedded"),
            metrics, Duration.ofMinutes(10), "none")) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newFixedThreadPool(8)).build();
      URI link = URI.create("http://127.0.0.1:" + server.httpPort() + "/v1/link");
      String[] transports = {"gRPC", "HTTP/JSON"};
      Cell[][][] cells = new Cell[rounds][transports.length][concurrency.length];
      for (int round = -1; round < rounds; round++) {
        for (int c = 0; c < concurrency.length; c++) {
          for (int t = 0; t < transports.length; t++) {
            progress.step((round < 0 ? "warm-up" : "round " + (round + 1) + "/" + rounds) + ": "
                + transports[t] + " at concurrency " + concurrency[c]);
            int transport = t;
            Cell cell = measure(concurrency[c], i -> {
              if (transport == 0) {
                EntityLinkerGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .linkEntity(mentions.get(i % mentions.size()));
              } else {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(link)
                    .timeout(TIMEOUT).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size())))
                    .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                  throw new IllegalStateException("HTTP " + response.statusCode() + ": "
                      + response.body());
                }
                JsonFormat.parser().merge(response.body(), LinkEntityResponse.newBuilder());
              }
            });
            if (round >= 0) {
              cells[round][t][c] = cell;
            }
          }
        }
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      report(transports, cells);
    }
    return 0;
  }

  private interface Call {
    void run(int index) throws Exception;
  }

  private Cell measure(int threads, Call call) throws Exception {
    double[] latencies = new double[requests];
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      List<Future<?>> clients = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        clients.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
            long begin = System.nanoTime();
            call.run(i);
            latencies[i] = (System.nanoTime() - begin) / 1e6;
          }
          return null;
        }));
      }
      for (Future<?> client : clients) {
        client.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Arrays.sort(latencies);
    return new Cell(latencies[(int) (0.5 * (requests - 1))],
        latencies[(int) Math.ceil(0.99 * (requests - 1))], requests / seconds);
  }

  private void report(String[] transports, Cell[][][] cells) {
    out().printf(Locale.ROOT, "| concurrency | transport | p50 ms | p99 ms | requests/s "
        + "| p50 vs gRPC | p99 vs gRPC | throughput vs gRPC |%n");
    out().println("|---|---|---|---|---|---|---|---|");
    for (int c = 0; c < concurrency.length; c++) {
      double[] base = null;
      for (int t = 0; t < transports.length; t++) {
        double[] p50 = new double[rounds];
        double[] p99 = new double[rounds];
        double[] rate = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          p50[r] = cells[r][t][c].p50Ms();
          p99[r] = cells[r][t][c].p99Ms();
          rate[r] = cells[r][t][c].perSecond();
        }
        double[] medians = {BenchSupport.median(p50), BenchSupport.median(p99),
            BenchSupport.median(rate)};
        if (base == null) {
          base = medians;
        }
        out().printf(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.1f | %.3fx | %.3fx | %.3fx |%n",
            concurrency[c], transports[t], medians[0], medians[1], medians[2],
            medians[0] / base[0], medians[1] / base[1], medians[2] / base[2]);
      }
    }
    out().flush();
  }

  private static List<LinkEntityRequest> mentions() throws java.io.IOException {
    WikiMel wikimel = WikiMel.load(SharedData.file("wikimel"));
    List<LinkEntityRequest> requests = new ArrayList<>();
    for (WikiMel.Mention m : wikimel.mentions("test").subList(0, 64)) {
      requests.add(LinkEntityRequest.newBuilder().setMention(Mention.newBuilder()
          .setSurface(m.surface()).setSentence(m.sentence())
          .setOptions(LinkOptions.newBuilder().setTopK(5))).build());
    }
    return requests;
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
