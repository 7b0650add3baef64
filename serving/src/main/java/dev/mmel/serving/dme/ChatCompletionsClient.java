package dev.mmel.serving.dme;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One OpenAI-compatible chat completion: {@code POST {base}/v1/chat/completions} with
 * temperature 0, returning the first choice's message text. Every call is bounded by the budget
 * it is given; when the budget runs out the request is cancelled, not left running. Safe to use
 * from many threads.
 */
final class ChatCompletionsClient {
  // Enough of an error body to tell "model not found" from "rate limited" in a log line.
  private static final int BODY_EXCERPT_CHARS = 200;

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http;
  private final LlmSelectorSettings settings;
  private final Optional<ApiKey> key;

  ChatCompletionsClient(LlmSelectorSettings settings) {
    this.settings = settings;
    this.key = settings.apiKey();
    this.http = HttpClient.newBuilder()
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** The first choice's message content; throws when there is none within {@code budget}. */
  String complete(ChatPrompt prompt, Duration budget) throws ChatCompletionException {
    HttpRequest.Builder request = HttpRequest.newBuilder(settings.completionsUri())
        .timeout(budget)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(prompt)));
    key.ifPresent(k -> request.header("Authorization", k.authorizationHeader()));
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    HttpResponse<String> response = await(pending, budget);
    if (response.statusCode() / 100 != 2) {
      throw new ChatCompletionException(FallbackReason.ERROR, "HTTP " + response.statusCode()
          + " from " + settings.completionsUri() + ": " + excerpt(response.body()));
    }
    return content(response.body());
  }

  private HttpResponse<String> await(CompletableFuture<HttpResponse<String>> pending,
      Duration budget) throws ChatCompletionException {
    try {
      return pending.get(budget.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // Cancelling the future returned by sendAsync aborts the exchange (JDK 16+).
      pending.cancel(true);
      throw timeout(budget);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new ChatCompletionException(FallbackReason.ERROR, "interrupted while waiting for "
          + settings.completionsUri());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw timeout(budget);
      }
      String kind = cause instanceof IOException ? "connection to " : "request to ";
      String detail = cause.getMessage() == null ? cause.getClass().getSimpleName()
          : cause.getClass().getSimpleName() + ": " + cause.getMessage();
      throw new ChatCompletionException(FallbackReason.ERROR, kind + settings.completionsUri()
          + " failed: " + redact(detail));
    }
  }

  private ChatCompletionException timeout(Duration budget) {
    return new ChatCompletionException(FallbackReason.TIMEOUT, "no answer from "
        + settings.completionsUri() + " within " + budget.toMillis() + " ms");
  }

  private byte[] requestBody(ChatPrompt prompt) {
    ObjectNode body = json.createObjectNode();
    body.put("model", settings.model());
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", prompt.system());
    messages.addObject().put("role", "user").put("content", prompt.user());
    body.put("temperature", 0);
    body.put("max_tokens", settings.maxTokens());
    body.put("n", 1);
    body.put("stream", false);
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serialises", e);
    }
  }

  private String content(String body) throws ChatCompletionException {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ChatCompletionException(FallbackReason.ERROR, "response from "
          + settings.completionsUri() + " is not JSON: " + excerpt(body));
    }
    JsonNode content = root == null ? null : root.path("choices").path(0).path("message")
        .path("content");
    if (content == null || !content.isTextual()) {
      throw new ChatCompletionException(FallbackReason.ERROR, "response from "
          + settings.completionsUri() + " has no choices[0].message.content: " + excerpt(body));
    }
    return content.textValue();
  }

  private String excerpt(String text) {
    String scrubbed = redact(text);
    return scrubbed.length() <= BODY_EXCERPT_CHARS ? scrubbed
        : scrubbed.substring(0, BODY_EXCERPT_CHARS) + "...";
  }

  private String redact(String text) {
    return key.map(k -> k.redact(text)).orElse(text == null ? "" : text);
  }
}
