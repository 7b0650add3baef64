package dev.mmel.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The real standalone cluster the ITs submit to: the one at {@code -Dmmel.flink.rest} or
 * {@code MMEL_FLINK_REST} if set, else the one infra/flink.sh runs for this checkout, started on
 * free ports if need be; {@link #close} stops it only if this started it (also at JVM exit).
 */
public final class LocalFlinkCluster implements AutoCloseable {
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final URI rest;
  private final Path script;
  private final Thread stopOnExit;

  private LocalFlinkCluster(URI rest, Path script, boolean startedHere) {
    this.rest = rest;
    this.script = script;
    this.stopOnExit = startedHere ? new Thread(this::stopQuietly, "stop-flink-cluster") : null;
    if (stopOnExit != null) {
      // Also stop the cluster when the forked test JVM ends before close() runs.
      Runtime.getRuntime().addShutdownHook(stopOnExit);
    }
  }

  public static LocalFlinkCluster acquire() throws IOException, InterruptedException {
    String url = System.getProperty("mmel.flink.rest");
    if (url == null || url.isBlank()) {
      url = System.getenv("MMEL_FLINK_REST");
    }
    if (url != null && !url.isBlank()) {
      return new LocalFlinkCluster(restUri(url), null, false);
    }
    Path script = RepositoryRoot.find().resolve("infra/flink.sh");
    boolean running = run(script, "status", Map.of()).exitCode == 0;
    ScriptResult start = run(script, "start", freePortsUnlessSet());
    if (start.exitCode != 0) {
      throw new IllegalStateException("infra/flink.sh start failed with exit code "
          + start.exitCode + "\n" + start);
    }
    return new LocalFlinkCluster(restUri(start.lastStdoutLine()), script, !running);
  }

  /** The JobManager's REST URL, e.g. http://127.0.0.1:8081. */
  public URI rest() {
    return rest;
  }

  /** Whether infra/flink.sh manages this cluster, so TaskManagers can be killed and started. */
  public boolean scripted() {
    return script != null;
  }

  public void killTaskManager() throws IOException, InterruptedException {
    checked("kill-taskmanager");
  }

  public void startTaskManager() throws IOException, InterruptedException {
    checked("start-taskmanager");
  }

  public JsonNode getJson(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(rest.resolve(path))
        .timeout(Duration.ofSeconds(10)).GET().build();
    HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + ": HTTP " + response.statusCode() + ": "
          + response.body());
    }
    return JSON.readTree(response.body());
  }

  /** Polls GET {@code path} until {@code done} holds, for at most a minute. */
  public JsonNode awaitJson(String path, Predicate<JsonNode> done, String what)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode json = getJson(path);
      if (done.test(json)) {
        return json;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + what + " within 60 s; GET " + path + ": " + json);
      }
      Thread.sleep(250);
    }
  }

  /** Waits until the job is FINISHED (the REST API serves job details from a cache). */
  public void awaitFinished(String job) throws IOException, InterruptedException {
    awaitJson("/jobs/" + job, details -> "FINISHED".equals(details.path("state").asText()),
        "job " + job + " FINISHED");
  }

  /** The id of the newest job of this name, once it is listed (at most two minutes). */
  public String awaitJob(String name) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      try {
        return jobId(name);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /** Waits until at least {@code count} checkpoints of the job completed; returns how many did. */
  public long awaitCompletedCheckpoints(String job, int count)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      long completed = 0;
      try {
        completed = getJson("/jobs/" + job + "/checkpoints").path("counts")
            .path("completed").asLong();
      } catch (IOException e) {
        // Refused while the JobManager still initialises the job.
      }
      if (completed >= count) {
        return completed;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("only " + completed + " checkpoints of job " + job
            + " completed in 2 minutes");
      }
      Thread.sleep(100);
    }
  }

  /** Cancels the job through the REST API. */
  public void cancel(String job) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(rest.resolve("/jobs/" + job + "?mode=cancel"))
            .timeout(Duration.ofSeconds(10))
            .method("PATCH", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 202) {
      throw new IOException("cancel " + job + ": HTTP " + response.statusCode() + ": "
          + response.body());
    }
  }

  /** The id of the newest job of this name, as the REST API lists it. */
  private String jobId(String name) throws IOException, InterruptedException {
    String id = null;
    long newest = Long.MIN_VALUE;
    for (JsonNode job : getJson("/jobs/overview").path("jobs")) {
      if (name.equals(job.path("name").asText()) && job.path("start-time").asLong() > newest) {
        newest = job.path("start-time").asLong();
        id = job.path("jid").asText();
      }
    }
    if (id == null) {
      throw new IOException("no job named '" + name + "' on " + rest);
    }
    return id;
  }

  /**
   * The test classes directory {@code anchor} was loaded from, as one jar, shipped with jobs
   * that use test operators.
   */
  public static Path testClassesJar(Class<?> anchor) throws IOException {
    Path testClasses = codeSource(anchor);
    Path jar = testClasses.resolveSibling("test-classes.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest);
        Stream<Path> files = Files.walk(testClasses)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        jarOut.putNextEntry(new JarEntry(testClasses.relativize(file).toString()
            .replace('\\', '/')));
        Files.copy(file, jarOut);
        jarOut.closeEntry();
      }
    }
    return jar;
  }

  /** The jar or classes directory {@code type} was loaded from. */
  public static Path codeSource(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (stopOnExit != null) {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
      stopQuietly();
    }
  }

  private void checked(String command) throws IOException, InterruptedException {
    if (script == null) {
      throw new IllegalStateException("the cluster at " + rest + " is not run by infra/flink.sh");
    }
    ScriptResult result = run(script, command, Map.of());
    if (result.exitCode != 0) {
      throw new IllegalStateException("infra/flink.sh " + command + " failed with exit code "
          + result.exitCode + "\n" + result);
    }
  }

  private void stopQuietly() {
    try {
      ScriptResult stop = run(script, "stop", Map.of());
      if (stop.exitCode != 0) {
        System.err.println("infra/flink.sh stop failed:\n" + stop);
      }
    } catch (IOException | InterruptedException e) {
      System.err.println("infra/flink.sh stop failed: " + e);
    }
  }

  private static URI restUri(String url) {
    return URI.create(url.strip().replaceAll("/+$", ""));
  }

  /**
   * A cluster started here listens on free ports, so it cannot collide with a Flink on 8081
   * that belongs to something else; ports set in the environment win.
   */
  private static Map<String, String> freePortsUnlessSet() throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String name : List.of("FLINK_REST_PORT", "FLINK_RPC_PORT")) {
      String set = System.getenv(name);
      if (set == null || set.isBlank()) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          env.put(name, Integer.toString(socket.getLocalPort()));
        }
      }
    }
    return env;
  }

  private static ScriptResult run(Path script, String command, Map<String, String> env)
      throws IOException, InterruptedException {
    // The calling module's build directory (tests run with the module as working directory).
    Path logDir = Files.createDirectories(Path.of("target").toAbsolutePath());
    Path stdout = logDir.resolve("flink-sh-" + command + ".out");
    Path stderr = logDir.resolve("flink-sh-" + command + ".err");
    // Files rather than pipes: the cluster's JVMs outlive the script and must not hold our pipes.
    ProcessBuilder builder = new ProcessBuilder("bash", script.toString(), command)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("infra/flink.sh " + command + " did not finish in " + SCRIPT_TIMEOUT);
    }
    return new ScriptResult(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
        Files.readString(stderr, StandardCharsets.UTF_8));
  }

  private record ScriptResult(int exitCode, String stdout, String stderr) {
    String lastStdoutLine() {
      List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
      if (lines.isEmpty()) {
        throw new IllegalStateException("infra/flink.sh printed no REST URL\n" + this);
      }
      return lines.get(lines.size() - 1);
    }

    @Override
    public String toString() {
      return "--- stdout ---\n" + stdout + "--- stderr ---\n" + stderr;
    }
  }
}
