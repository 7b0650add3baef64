package dev.mmel.serving.dme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mmel.core.MentionInput;
import dev.mmel.model.dme.DescriptionCandidate;
import dev.mmel.model.dme.DescriptionSelector;
import dev.mmel.model.dme.DescriptionSource;
import dev.mmel.model.dme.Selection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The LLM selector against {@link LocalChatServer}, an in-process server on 127.0.0.1 speaking
 * the chat-completions protocol: no LLM weights exist in this environment, so a scripted
 * endpoint is the one stand-in here. Every exchange is local and bounded by short timeouts.
 */
@Timeout(30)
class LlmDescriptionSelectorTest {
  private static final String KEY_VARIABLE = "MMEL_TEST_LLM_KEY";
  private static final String KEY = "sk-test-7f3a9c1e5b";
  private static final List<DescriptionCandidate> CANDIDATES = List.of(
      new DescriptionCandidate("Q90", "Paris", "capital and largest city of France"),
      new DescriptionCandidate("Q830149", "Paris", "city in Lamar County, Texas, United States"),
      new DescriptionCandidate("Q47899", "Paris Hilton", "American media personality"));
  private static final MentionInput MENTION = new MentionInput("Paris",
      "The Eiffel Tower rises above Paris, on the banks of the Seine.", "", null);

  private final AtomicInteger fallbackCalls = new AtomicInteger();
  /** Picks the last candidate, so its answers never look like the LLM's. */
  private final DescriptionSelector fallback = (mention, candidates, deadline) -> {
    fallbackCalls.incrementAndGet();
    return Selection.of(candidates.get(candidates.size() - 1), DescriptionSource.SIMILARITY);
  };
  private LocalChatServer server;

  @AfterEach
  void stopServer() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aGoodAnswerPicksThatCandidateAndTheRequestFollowsTheProtocol() throws Exception {
    server = new LocalChatServer(LocalChatServer.replying("1"));
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    Selection selection = selector.select(MENTION, CANDIDATES, inSeconds(5));

    assertEquals(Selection.of(CANDIDATES.get(0), DescriptionSource.LLM), selection);
    assertEquals(0, fallbackCalls.get());
    LocalChatServer.Request request = server.requests().get(0);
    assertEquals("POST", request.method());
    assertEquals("/v1/chat/completions", request.path());
    assertEquals("Bearer " + KEY, request.authorization());
    JsonNode body = new ObjectMapper().readTree(request.body());
    assertEquals("test-model", body.get("model").asText());
    assertEquals(0, body.get("temperature").asInt());
    assertEquals(8, body.get("max_tokens").asInt());
    String user = body.get("messages").get(1).get("content").asText();
    assertTrue(user.contains(MENTION.sentence()), user);
    assertTrue(user.contains("2. Paris: city in Lamar County"), user);
    assertEquals(new LlmSelectorStats(1, 0, 1, 1, 0, 0, 0, 0), selector.stats());
  }

  @Test
  void zeroMeansNoCandidateFits() throws Exception {
    server = new LocalChatServer(LocalChatServer.replying(" 0\n"));
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    assertEquals(Selection.none(), selector.select(MENTION, CANDIDATES, inSeconds(5)));
    assertEquals(0, fallbackCalls.get());
  }

  @Test
  void aHangingEndpointAnswersThroughTheFallbackWithinTheDeadline() throws Exception {
    server = new LocalChatServer(LocalChatServer.hanging());
    LlmDescriptionSelector selector =
        selector(settings(server.baseUrl()).timeout(Duration.ofSeconds(20)).build());
    long budgetMillis = 300;

    long start = System.nanoTime();
    Selection selection = selector.select(MENTION, CANDIDATES,
        Instant.now().plusMillis(budgetMillis));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(DescriptionSource.SIMILARITY, selection.source());
    assertTrue(elapsedMillis >= budgetMillis - 20 && elapsedMillis < budgetMillis + 250,
        "answered after " + elapsedMillis + " ms for a " + budgetMillis + " ms budget");
    assertEquals(1, selector.stats().timeouts());
  }

  @Test
  void theConfiguredTimeoutCapsALaterDeadline() throws Exception {
    server = new LocalChatServer(LocalChatServer.hanging());
    LlmDescriptionSelector selector =
        selector(settings(server.baseUrl()).timeout(Duration.ofMillis(200)).build());

    long start = System.nanoTime();
    Selection selection = selector.select(MENTION, CANDIDATES, inSeconds(20));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(DescriptionSource.SIMILARITY, selection.source());
    assertTrue(elapsedMillis < 200 + 250, "answered after " + elapsedMillis + " ms");
    assertEquals(1, selector.stats().timeouts());
  }

  @Test
  void aRequestOutOfBudgetIsCancelledNotLeftRunning() throws Exception {
    server = new LocalChatServer(LocalChatServer.dripping());
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    Selection selection = selector.select(MENTION, CANDIDATES, Instant.now().plusMillis(200));

    assertEquals(DescriptionSource.SIMILARITY, selection.source());
    assertTrue(server.awaitHangUp(3_000), "the client kept reading after its budget ran out");
  }

  @Test
  void aPassedDeadlineFallsBackWithoutARequest() throws Exception {
    server = new LocalChatServer(LocalChatServer.replying("1"));
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    Selection selection = selector.select(MENTION, CANDIDATES, Instant.now().minusMillis(1));

    assertEquals(DescriptionSource.SIMILARITY, selection.source());
    assertEquals(List.of(), server.requests());
    assertEquals(1, selector.stats().timeouts());
  }

  static Stream<Arguments> failures() {
    return Stream.of(
        Arguments.of("malformed JSON", LocalChatServer.raw(200, "{\"choices\": [{\"mess"),
            FallbackReason.ERROR),
        Arguments.of("no message content", LocalChatServer.raw(200, "{\"choices\": []}"),
            FallbackReason.ERROR),
        Arguments.of("HTTP 500", LocalChatServer.raw(500, "{\"error\": \"overloaded\"}"),
            FallbackReason.ERROR),
        Arguments.of("a sentence", LocalChatServer.replying("Candidate 2"),
            FallbackReason.UNPARSABLE),
        Arguments.of("a number with a period", LocalChatServer.replying("2."),
            FallbackReason.UNPARSABLE),
        Arguments.of("out of range", LocalChatServer.replying("4"), FallbackReason.UNPARSABLE),
        Arguments.of("negative", LocalChatServer.replying("-1"), FallbackReason.UNPARSABLE),
        Arguments.of("empty", LocalChatServer.replying(""), FallbackReason.UNPARSABLE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void aFailedExchangeFallsBackCountedByReason(String name, LocalChatServer.Behaviour behaviour,
      FallbackReason reason) throws Exception {
    server = new LocalChatServer(behaviour);
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    Selection selection = selector.select(MENTION, CANDIDATES, inSeconds(5));

    assertEquals(Selection.of(CANDIDATES.get(2), DescriptionSource.SIMILARITY), selection);
    assertEquals(1, fallbackCalls.get());
    LlmSelectorStats stats = selector.stats();
    assertEquals(1, stats.fallbacks(reason), stats.toString());
    assertEquals(1, stats.fallbacks(), stats.toString());
    assertEquals(0, stats.llmAnswers());
  }

  @Test
  void aRefusedConnectionFallsBackAsAnError() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    LlmDescriptionSelector selector =
        selector(settings("http://127.0.0.1:" + closedPort).build());

    Selection selection = selector.select(MENTION, CANDIDATES, inSeconds(5));

    assertEquals(DescriptionSource.SIMILARITY, selection.source());
    assertEquals(1, selector.stats().errors());
  }

  @Test
  void aRepeatedQuestionIsAnsweredFromTheCache() throws Exception {
    server = new LocalChatServer(LocalChatServer.replying("2"));
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    Selection first = selector.select(MENTION, CANDIDATES, inSeconds(5));
    Selection second = selector.select(MENTION, List.copyOf(CANDIDATES), inSeconds(5));

    assertEquals(first, second);
    assertEquals(1, server.requests().size());
    LlmSelectorStats stats = selector.stats();
    assertEquals(2, stats.calls());
    assertEquals(1, stats.cacheHits());
    assertEquals(1, stats.llmAnswers());

    selector.select(MENTION.withDescription("ignored"), CANDIDATES, inSeconds(5));
    assertEquals(1, server.requests().size(), "the description is not part of the question");
    selector.select(new MentionInput("Paris", "Paris, Texas is a 1984 film.", "", null),
        CANDIDATES, inSeconds(5));
    selector.select(MENTION, List.of(CANDIDATES.get(1), CANDIDATES.get(0)), inSeconds(5));
    assertEquals(3, server.requests().size(), "another sentence or order is another question");
  }

  @Test
  void fallbackAnswersAreNotCached() throws Exception {
    AtomicInteger served = new AtomicInteger();
    server = new LocalChatServer((exchange, s) -> {
      if (served.getAndIncrement() == 0) {
        LocalChatServer.send(exchange, 503, "{}");
      } else {
        LocalChatServer.replying("1").handle(exchange, s);
      }
    });
    LlmDescriptionSelector selector = selector(settings(server.baseUrl()).build());

    assertEquals(DescriptionSource.SIMILARITY,
        selector.select(MENTION, CANDIDATES, inSeconds(5)).source());
    assertEquals(DescriptionSource.LLM,
        selector.select(MENTION, CANDIDATES, inSeconds(5)).source());
    assertEquals(2, server.requests().size());
  }

  @Test
  void aFailingFallbackAnswersNone() throws Exception {
    server = new LocalChatServer(LocalChatServer.raw(500, "{}"));
    DescriptionSelector broken = (mention, candidates, deadline) -> {
      throw new IllegalStateException("similarity model not loaded");
    };
    LlmDescriptionSelector selector =
        new LlmDescriptionSelector(settings(server.baseUrl()).build(), broken);

    assertEquals(Selection.none(), selector.select(MENTION, CANDIDATES, inSeconds(5)));
    assertEquals(1, selector.stats().fallbackFailures());
  }

  @Test
  void theApiKeyReachesNoLogLineNorExceptionMessage() throws Exception {
    // A hostile or misconfigured endpoint that echoes the request's headers in its error body.
    server = new LocalChatServer((exchange, s) -> LocalChatServer.send(exchange, 401,
        "{\"error\": \"bad credentials: " + exchange.getRequestHeaders().getFirst("Authorization")
            + "\"}"));
    LlmSelectorSettings settings = settings(server.baseUrl()).build();
    LlmDescriptionSelector selector = selector(settings);

    String logged = capturingStandardError(() -> {
      selector.select(MENTION, CANDIDATES, inSeconds(5));
      selector.select(MENTION, CANDIDATES, inSeconds(5));
    });

    assertEquals("Bearer " + KEY, server.requests().get(0).authorization());
    assertTrue(logged.contains("HTTP 401") && logged.contains("bad credentials"),
        "the failure was not logged: " + logged);
    assertFalse(logged.contains(KEY), logged);

    ChatCompletionsClient client = new ChatCompletionsClient(settings);
    ChatCompletionException thrown = assertThrows(
        ChatCompletionException.class,
        () -> client.complete(SelectionPrompt.of(MENTION, CANDIDATES), Duration.ofSeconds(5)));
    assertTrue(thrown.getMessage().contains("[redacted]"), thrown.getMessage());
    assertFalse(thrown.getMessage().contains(KEY), thrown.getMessage());
    assertFalse(settings.toString().contains(KEY), settings.toString());
    assertTrue(settings.toString().contains(KEY_VARIABLE), settings.toString());
    assertFalse(settings.apiKey().orElseThrow().toString().contains(KEY));
    assertFalse(selector.stats().toString().contains(KEY));
  }

  @Test
  void withoutAKeyVariableNoAuthorizationIsSent() throws Exception {
    server = new LocalChatServer(LocalChatServer.replying("3"));
    LlmSelectorSettings settings = LlmSelectorSettings.builder().baseUrl(server.baseUrl())
        .model("test-model").build();

    Selection selection = selector(settings).select(MENTION, CANDIDATES, inSeconds(5));

    assertEquals(Optional.of("Q47899"), selection.qid());
    assertEquals(DescriptionSource.LLM, selection.source());
    assertNull(server.requests().get(0).authorization());
  }

  private LlmDescriptionSelector selector(LlmSelectorSettings settings) {
    return new LlmDescriptionSelector(settings, fallback);
  }

  private static LlmSelectorSettings.Builder settings(String baseUrl) {
    return LlmSelectorSettings.builder()
        .baseUrl(baseUrl)
        .model("test-model")
        .apiKeyVariable(KEY_VARIABLE)
        .environment(Map.of(KEY_VARIABLE, KEY)::get)
        .connectTimeout(Duration.ofSeconds(2));
  }

  private static Instant inSeconds(int seconds) {
    return Instant.now().plusSeconds(seconds);
  }

  private static String capturingStandardError(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }
}
