package dev.mmel.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, driven through its DevTools protocol over a WebSocket: one page
 * to load, type into, give files to, click, read and photograph. Installed by
 * infra/chromium.sh when missing; started with a fresh profile, listening for DevTools on
 * 127.0.0.1 only, with everything that would reach out to the network turned off.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();

  private HeadlessChromium(Process process, WebSocket.Builder socket, URI page)
      throws InterruptedException, IOException {
    this.process = process;
    try {
      this.socket = socket.buildAsync(page, new Listener()).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("could not connect to Chromium's DevTools at " + page, e);
    }
  }

  /** Starts Chromium with its profile, log and DevTools port file under {@code dir}. */
  public static HeadlessChromium start(Path dir) throws IOException, InterruptedException {
    Path browser = install();
    Path profile = dir.resolve("profile");
    Files.createDirectories(profile);
    Process process = new ProcessBuilder(List.of(browser.toString(), "--headless",
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
        "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
        "--user-data-dir=" + profile, "--window-size=1280,1400", "about:blank"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    try {
      int port = devToolsPort(profile.resolve("DevToolsActivePort"), process);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> targets = http.send(HttpRequest.newBuilder(URI.create(
          "http://127.0.0.1:" + port + "/json/list")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      for (JsonNode target : JSON.readTree(targets.body())) {
        if ("page".equals(target.path("type").asText())) {
          return new HeadlessChromium(process, http.newWebSocketBuilder(),
              URI.create(target.get("webSocketDebuggerUrl").asText()));
        }
      }
      throw new IOException("Chromium has no page target: " + targets.body());
    } catch (IOException | InterruptedException | RuntimeException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Loads {@code url} and waits until the document and its scripts have loaded. */
  public void navigate(String url) throws IOException, InterruptedException {
    ObjectNode params = JSON.createObjectNode().put("url", url);
    JsonNode result = send("Page.navigate", params);
    if (result.has("errorText")) {
      throw new IOException("Chromium could not load " + url + ": " + result.get("errorText"));
    }
    waitFor("document.readyState === 'complete'", Duration.ofSeconds(30));
  }

  /** The value of a JavaScript expression (promises awaited), as JSON. */
  public JsonNode evaluate(String expression) throws IOException, InterruptedException {
    JsonNode result = send("Runtime.evaluate", JSON.createObjectNode()
        .put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IOException("the page's JavaScript failed on " + expression + ": "
          + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** Polls {@code condition} until it is true, failing after {@code timeout}. */
  public void waitFor(String condition, Duration timeout)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!evaluate("Boolean(" + condition + ")").asBoolean()) {
      if (System.nanoTime() > end) {
        throw new IOException("still not true after " + timeout + ": " + condition);
      }
      Thread.sleep(100);
    }
  }

  /** Puts {@code file} into the file input {@code selector}, as a person picking it would. */
  public void setFile(String selector, Path file) throws IOException, InterruptedException {
    int root = send("DOM.getDocument", JSON.createObjectNode()).get("root").get("nodeId")
        .asInt();
    int node = send("DOM.querySelector", JSON.createObjectNode().put("nodeId", root)
        .put("selector", selector)).get("nodeId").asInt();
    if (node == 0) {
      throw new IOException("no element matches " + selector);
    }
    ObjectNode params = JSON.createObjectNode().put("nodeId", node);
    params.putArray("files").add(file.toAbsolutePath().toString());
    send("DOM.setFileInputFiles", params);
  }

  /** A PNG of the whole page. */
  public void screenshot(Path png) throws IOException, InterruptedException {
    JsonNode shot = send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
        .put("captureBeyondViewport", true));
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.write(png, Base64.getDecoder().decode(shot.get("data").asText()));
  }

  /** One DevTools command and its result. */
  public JsonNode send(String method, ObjectNode params)
      throws IOException, InterruptedException {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode command = JSON.createObjectNode().put("id", id).put("method", method);
    command.set("params", params);
    try {
      socket.sendText(command.toString(), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IOException(method + " failed: " + reply.get("error"));
      }
      return reply.path("result");
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(method + " got no answer from Chromium in " + CALL_TIMEOUT, e);
    } finally {
      pending.remove(id);
    }
  }

  @Override
  public void close() throws InterruptedException {
    socket.abort();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Path install() throws IOException, InterruptedException {
    Path script = RepositoryRoot.find().resolve("infra/chromium.sh");
    Process process = new ProcessBuilder("bash", script.toString(), "install")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(20, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("infra/chromium.sh install failed (see its stderr above)");
    }
    String[] lines = out.strip().split("\n");
    return Path.of(lines[lines.length - 1].strip());
  }

  /** The port Chromium wrote on the first line of DevToolsActivePort once it listens. */
  private static int devToolsPort(Path file, Process process)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        if (!lines.isEmpty() && !lines.get(0).isBlank()) {
          return Integer.parseInt(lines.get(0).strip());
        }
      }
      if (!process.isAlive()) {
        throw new IOException("Chromium exited with " + process.exitValue()
            + " before it listened for DevTools");
      }
      Thread.sleep(100);
    }
    throw new IOException("Chromium did not listen for DevTools within 60 s");
  }

  /** Collects a message's fragments, then hands a command's answer to whoever waits. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        try {
          JsonNode json = JSON.readTree(message.toString());
          CompletableFuture<JsonNode> waiting = json.has("id")
              ? pending.get(json.get("id").asInt()) : null;
          if (waiting != null) {
            waiting.complete(json);
          }
        } catch (IOException e) {
          pending.values().forEach(p -> p.completeExceptionally(e));
        }
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }
}
