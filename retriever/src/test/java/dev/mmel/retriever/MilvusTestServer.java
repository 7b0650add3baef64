package dev.mmel.retriever;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Milvus server an integration test talks to. A URI in the system property
 * {@code mmel.milvus.uri} or the environment variable {@code MMEL_MILVUS_URI} is used as it is.
 * Otherwise {@code infra/milvus.sh} provides one: a server it already runs is shared and left
 * running; if none runs, one is started on free loopback ports and {@link #close} stops it, so a
 * test class never stops a server somebody else started.
 */
public final class MilvusTestServer implements AutoCloseable {
  private static final int STATUS_RUNNING = 0;
  private static final int STATUS_STOPPED = 3;
  /** A first start also creates the server's virtualenv (about 20 s, more on a slow network). */
  private static final long START_TIMEOUT_S = 900;
  /** Stop escalates to SIGKILL after 5 s (MILVUS_STOP_GRACE); this is ample on top. */
  private static final long STOP_TIMEOUT_S = 120;

  private final String uri;
  private final Path repoRoot;
  private final boolean startedHere;
  private final String logTag;

  private MilvusTestServer(String uri, Path repoRoot, boolean startedHere, String logTag) {
    this.uri = uri;
    this.repoRoot = repoRoot;
    this.startedHere = startedHere;
    this.logTag = logTag;
  }

  /** The configured server, or infra/milvus.sh's; {@code logTag} prefixes what it prints. */
  public static MilvusTestServer acquire(String logTag) throws Exception {
    String configured = System.getProperty("mmel.milvus.uri");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("MMEL_MILVUS_URI");
    }
    if (configured != null && !configured.isBlank()) {
      System.out.println(logTag + " using the configured server " + configured);
      return new MilvusTestServer(configured.strip(), null, false, logTag);
    }
    Path root = repoRoot();
    ScriptResult status = script(root, List.of("status"), Map.of(), 60);
    if (status.exitCode() == STATUS_RUNNING) {
      System.out.println(logTag + " using the server infra/milvus.sh already runs (left running)");
      return new MilvusTestServer(status.lastLine(), root, false, logTag);
    }
    long t0 = System.nanoTime();
    ScriptResult start = script(root, List.of("start"), freePortsUnlessChosen(), START_TIMEOUT_S);
    if (start.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh start failed (exit " + start.exitCode()
          + "); see its messages above and .cache/milvus.log");
    }
    System.out.printf("%s infra/milvus.sh start took %.1f s%n", logTag,
        (System.nanoTime() - t0) / 1e9);
    // Status 1 (running, not yet healthy) means somebody else's start is under way: theirs to stop.
    return new MilvusTestServer(start.lastLine(), root, status.exitCode() == STATUS_STOPPED,
        logTag);
  }

  public String uri() {
    return uri;
  }

  public boolean startedHere() {
    return startedHere;
  }

  /** Stops the server if {@link #acquire} started it. */
  @Override
  public void close() throws Exception {
    if (startedHere) {
      long t0 = System.nanoTime();
      ScriptResult stop = script(repoRoot, List.of("stop"), Map.of(), STOP_TIMEOUT_S);
      System.out.printf("%s infra/milvus.sh stop: exit %d after %.1f s%n", logTag,
          stop.exitCode(), (System.nanoTime() - t0) / 1e9);
    }
  }

  private record ScriptResult(int exitCode, String lastLine) {}

  /** A busy default port must not fail the build, so pick free ones unless the caller chose. */
  private static Map<String, String> freePortsUnlessChosen() throws IOException {
    Map<String, String> env = new HashMap<>();
    int grpc = freePort();
    int http = freePort();
    while (http == grpc) {
      http = freePort();
    }
    if (System.getenv("MILVUS_PORT") == null) {
      env.put("MILVUS_PORT", Integer.toString(grpc));
    }
    if (System.getenv("MILVUS_HTTP_PORT") == null) {
      env.put("MILVUS_HTTP_PORT", Integer.toString(http));
    }
    return env;
  }

  private static ScriptResult script(Path root, List<String> args, Map<String, String> env,
      long timeoutS) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("infra/milvus.sh").toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    // Drained on another thread so that a hung script still runs into the timeout; the server it
    // leaves running writes to its log file, never to this pipe.
    CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> {
      try (InputStream in = process.getInputStream()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!process.waitFor(timeoutS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("infra/milvus.sh " + String.join(" ", args)
          + " did not finish within " + timeoutS + " s");
    }
    String[] lines = new String(stdout.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8).strip()
        .split("\n");
    return new ScriptResult(process.exitValue(), lines[lines.length - 1].strip());
  }

  /** From {@code mmel.repo.root} (set by the retriever's failsafe config), else the directory
   *  above the working directory that holds infra/milvus.sh. */
  private static Path repoRoot() {
    String configured = System.getProperty("mmel.repo.root");
    if (configured != null && Files.isRegularFile(Path.of(configured, "infra/milvus.sh"))) {
      return Path.of(configured).toAbsolutePath();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("infra/milvus.sh"))) {
        return dir;
      }
    }
    throw new IllegalStateException("infra/milvus.sh not found above "
        + Path.of("").toAbsolutePath()
        + ": set -Dmmel.milvus.uri=http://127.0.0.1:19530 or MMEL_MILVUS_URI");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
