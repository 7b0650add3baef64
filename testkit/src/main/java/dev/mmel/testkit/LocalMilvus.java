package dev.mmel.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Milvus server of {@code infra/milvus.sh}: one it already runs is used and left running;
 * otherwise one is started on free loopback ports and {@link #close} stops it, also when the
 * JVM is stopped half-way (Ctrl-C), so a benchmark never leaves a server of its own behind nor
 * stops somebody else's. {@link #startOwn} starts a second server beside that one, which a test
 * may stop and start again (an outage) with its data kept.
 */
public final class LocalMilvus implements AutoCloseable {
  private static final int RUNNING = 0;
  private static final int STOPPED = 3;
  /** A first start also creates the server's virtualenv from PyPI. */
  private static final long START_TIMEOUT_S = 900;
  private static final long STOP_TIMEOUT_S = 120;

  private final Path root;
  private final String uri;
  private final boolean startedHere;
  /** What the script is run with: empty, or an own server's instance, ports and data. */
  private final Map<String, String> env;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread stopOnExit;

  private LocalMilvus(Path root, String uri, boolean startedHere, Map<String, String> env) {
    this.root = root;
    this.uri = uri;
    this.startedHere = startedHere;
    this.env = Map.copyOf(env);
    this.stopOnExit = new Thread(this::stop, "stop-milvus");
    if (startedHere) {
      Runtime.getRuntime().addShutdownHook(stopOnExit);
    }
  }

  /** The server {@code infra/milvus.sh} under {@code root} runs, started if need be. */
  public static LocalMilvus acquire(Path root) {
    Script status = script(root, List.of("status"), Map.of(), 60);
    if (status.exitCode() == RUNNING) {
      return new LocalMilvus(root, status.lastLine(), false, Map.of());
    }
    Script start = script(root, List.of("start"), freePorts(false), START_TIMEOUT_S);
    if (start.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh start failed (exit " + start.exitCode()
          + "); see its messages above and " + root.resolve(".cache/milvus.log"));
    }
    // Status 1 (running, not healthy yet) means somebody else's start was under way: theirs.
    return new LocalMilvus(root, start.lastLine(), status.exitCode() == STOPPED, Map.of());
  }

  /**
   * A server of the caller's own, infra/milvus.sh's instance {@code instance} (beside the one
   * {@link #acquire} uses), on free loopback ports, with its data in {@code dataDir}: kept when
   * it stops, so that {@link #startServer} brings back the same collections. {@link #close}
   * stops it. Fails if that instance already runs (a test still running in this checkout).
   */
  public static LocalMilvus startOwn(Path root, String instance, Path dataDir) {
    // Its own ports always: MILVUS_PORT in the environment names the default instance's.
    Map<String, String> env = new HashMap<>(freePorts(true));
    env.put("MILVUS_INSTANCE", instance);
    env.put("MILVUS_DATA_DIR", dataDir.toAbsolutePath().toString());
    // Its data is durable without a graceful stop, which stalls in 2.3.5 (MILVUS_NOTES.md).
    env.put("MILVUS_STOP_GRACE", "1");
    Script status = script(root, List.of("status"), env, 60);
    if (status.exitCode() != STOPPED) {
      throw new IllegalStateException("Milvus instance '" + instance + "' of " + root
          + "/infra/milvus.sh already runs; stop it with MILVUS_INSTANCE=" + instance
          + " infra/milvus.sh stop");
    }
    return new LocalMilvus(root, start(root, env), true, env);
  }

  /**
   * Stops the server process the way a crash or an operator would (SIGTERM to the launcher,
   * SIGKILL to its process group a second later) and waits until it is gone. Its data stays.
   * Only for a server of {@link #startOwn}.
   */
  public void stopServer() {
    requireOwn();
    Script stop = script(root, List.of("stop"), env, STOP_TIMEOUT_S);
    if (stop.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh stop failed (exit " + stop.exitCode()
          + ")");
    }
  }

  /**
   * Starts the server of {@link #startOwn} again on its ports with its data; returns once its
   * /healthz says OK.
   */
  public void startServer() {
    requireOwn();
    String again = start(root, env);
    if (!again.equals(uri)) {
      throw new IllegalStateException("the server started again on " + again + ", not " + uri);
    }
  }

  private static String start(Path root, Map<String, String> env) {
    Script start = script(root, List.of("start"), env, START_TIMEOUT_S);
    if (start.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh start failed (exit " + start.exitCode()
          + "); see its messages above and " + root.resolve(".cache/milvus-"
          + env.get("MILVUS_INSTANCE") + ".log"));
    }
    return start.lastLine();
  }

  private void requireOwn() {
    if (env.isEmpty()) {
      throw new IllegalStateException("only a server of LocalMilvus.startOwn is stopped and "
          + "started by its user");
    }
  }

  public String uri() {
    return uri;
  }

  /**
   * The data directory of the server that {@code infra/milvus.sh} under {@code root} runs, if
   * {@code uri} is that server (the same loopback port); empty for any other server.
   */
  public static Optional<Path> dataDirectory(Path root, String uri) {
    Path state = root.resolve(".cache/milvus.state");
    URI parsed = URI.create(uri);
    String host = parsed.getHost();
    if (!Files.isRegularFile(state) || !("127.0.0.1".equals(host) || "localhost".equals(host))) {
      return Optional.empty();
    }
    try {
      List<String> lines = Files.readAllLines(state, StandardCharsets.UTF_8);
      boolean samePort = lines.contains("port=" + parsed.getPort());
      return lines.stream().filter(l -> samePort && l.startsWith("data_dir="))
          .map(l -> Path.of(l.substring("data_dir=".length()))).filter(Files::isDirectory)
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The process group of the server {@code infra/milvus.sh} under {@code root} runs (its
   * launcher's pid leads it), if {@code uri} is that server; empty for any other server.
   */
  public static Optional<Long> processGroup(Path root, String uri) {
    Path pidFile = root.resolve(".cache/milvus.pid");
    if (dataDirectory(root, uri).isEmpty() || !Files.isRegularFile(pidFile)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8)
          .strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    if (!startedHere) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down and the hook is stopping the server.
    }
    stop();
  }

  private void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    Script stop = script(root, List.of("stop"), env, STOP_TIMEOUT_S);
    if (stop.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh stop failed (exit " + stop.exitCode()
          + "); stop it by hand with infra/milvus.sh stop");
    }
  }

  private record Script(int exitCode, String lastLine) {}

  /** Runs the script with its messages on this process's stderr and its last stdout line kept. */
  private static Script script(Path root, List<String> args, Map<String, String> env,
      long timeoutS) {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("infra/milvus.sh").toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      // Read on another thread so a hung script still runs into the timeout below.
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
      String[] lines = new String(stdout.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8)
          .strip().split("\n");
      return new Script(process.exitValue(), lines[lines.length - 1].strip());
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command.get(0) + ": " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running infra/milvus.sh", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not read the output of infra/milvus.sh: "
          + e.getMessage(), e);
    }
  }

  /**
   * Two free loopback ports; unless {@code always}, only for the variables the caller's
   * environment leaves unset (the default ports may be taken by a server somebody else runs; the
   * caller's choice wins).
   */
  private static Map<String, String> freePorts(boolean always) {
    Map<String, String> env = new HashMap<>();
    try {
      int grpc = freePort();
      int http = freePort();
      while (http == grpc) {
        http = freePort();
      }
      if (always || System.getenv("MILVUS_PORT") == null) {
        env.put("MILVUS_PORT", Integer.toString(grpc));
      }
      if (always || System.getenv("MILVUS_HTTP_PORT") == null) {
        env.put("MILVUS_HTTP_PORT", Integer.toString(http));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not find a free loopback port: " + e.getMessage(), e);
    }
    return env;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
