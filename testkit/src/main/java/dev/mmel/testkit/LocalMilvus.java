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
 * stops somebody else's.
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
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread stopOnExit;

  private LocalMilvus(Path root, String uri, boolean startedHere) {
    this.root = root;
    this.uri = uri;
    this.startedHere = startedHere;
    this.stopOnExit = new Thread(this::stop, "stop-milvus");
    if (startedHere) {
      Runtime.getRuntime().addShutdownHook(stopOnExit);
    }
  }

  /** The server {@code infra/milvus.sh} under {@code root} runs, started if need be. */
  public static LocalMilvus acquire(Path root) {
    Script status = script(root, List.of("status"), Map.of(), 60);
    if (status.exitCode() == RUNNING) {
      return new LocalMilvus(root, status.lastLine(), false);
    }
    Script start = script(root, List.of("start"), freePorts(), START_TIMEOUT_S);
    if (start.exitCode() != 0) {
      throw new IllegalStateException("infra/milvus.sh start failed (exit " + start.exitCode()
          + "); see its messages above and " + root.resolve(".cache/milvus.log"));
    }
    // Status 1 (running, not healthy yet) means somebody else's start was under way: theirs.
    return new LocalMilvus(root, start.lastLine(), status.exitCode() == STOPPED);
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
    Script stop = script(root, List.of("stop"), Map.of(), STOP_TIMEOUT_S);
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

  /** The default ports may be taken by a server somebody else runs; the caller's choice wins. */
  private static Map<String, String> freePorts() {
    Map<String, String> env = new HashMap<>();
    try {
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
