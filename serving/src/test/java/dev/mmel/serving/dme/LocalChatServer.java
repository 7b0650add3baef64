package dev.mmel.serving.dme;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An in-process HTTP server on 127.0.0.1 that speaks the chat-completions protocol with a
 * scripted behaviour. The selector's tests need it because no LLM weights are available here:
 * it is the one stand-in those tests use. Handlers that hang wait on a latch that
 * {@link #close()} releases, and every wait is bounded, so a test never outlives its server.
 */
final class LocalChatServer implements AutoCloseable {
  /** What the server does with one request. */
  interface Behaviour {
    void handle(HttpExchange exchange, LocalChatServer server) throws IOException,
        InterruptedException;
  }

  /** One request as the server saw it. */
  record Request(String method, String path, String authorization, String body) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  private final CountDownLatch hungUpOn = new CountDownLatch(1);

  LocalChatServer(Behaviour behaviour) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try (exchange) {
        requests.add(new Request(exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(),
            exchange.getRequestHeaders().getFirst("Authorization"),
            new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        behaviour.handle(exchange, this);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    server.setExecutor(executor);
    server.start();
  }

  /** Answers 200 with a chat completion whose message content is {@code content}. */
  static Behaviour replying(String content) {
    String escaped = content.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return raw(200, "{\"id\":\"cmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"" + escaped + "\"},"
        + "\"finish_reason\":\"stop\"}]}");
  }

  /** Answers {@code status} with {@code body} as it is. */
  static Behaviour raw(int status, String body) {
    return (exchange, server) -> send(exchange, status, body);
  }

  /** Sends nothing until the server closes (at most 10 s). */
  static Behaviour hanging() {
    return (exchange, server) -> server.released.await(10, TimeUnit.SECONDS);
  }

  /**
   * Starts a 200 response and drips its body a byte at a time until the client hangs up (or 10
   * s pass); {@link #awaitHangUp} tells whether it did.
   */
  static Behaviour dripping() {
    return (exchange, server) -> {
      exchange.sendResponseHeaders(200, 0);
      OutputStream body = exchange.getResponseBody();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      try {
        while (System.nanoTime() < end && server.released.getCount() > 0) {
          body.write(' ');
          body.flush();
          Thread.sleep(20);
        }
      } catch (IOException e) {
        server.hungUpOn.countDown();
      }
    };
  }

  static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  boolean awaitHangUp(long millis) throws InterruptedException {
    return hungUpOn.await(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    released.countDown();
    server.stop(0);
    executor.shutdownNow();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }
}
