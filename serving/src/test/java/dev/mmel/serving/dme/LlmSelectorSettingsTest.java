package dev.mmel.serving.dme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LlmSelectorSettingsTest {
  private static final UnaryOperator<String> ENV = Map.of("LLM_KEY", "sk-secret-123",
      "BLANK_KEY", "  ", "SPACED_KEY", "sk one")::get;

  private static LlmSelectorSettings.Builder valid() {
    return LlmSelectorSettings.builder().baseUrl("http://127.0.0.1:8000").model("llama")
        .environment(ENV);
  }

  @Test
  void defaultsAreSmallAndBounded() {
    LlmSelectorSettings settings = valid().build();

    assertEquals(URI.create("http://127.0.0.1:8000/v1/chat/completions"),
        settings.completionsUri());
    assertEquals(Duration.ofSeconds(2), settings.timeout());
    assertEquals(8, settings.maxTokens());
    assertEquals(Optional.empty(), settings.apiKey());
  }

  @ParameterizedTest
  @CsvSource({"http://llm:8000/, http://llm:8000/v1/chat/completions",
      "https://gateway.example/openai, https://gateway.example/openai/v1/chat/completions"})
  void theApiPathIsAppendedToTheBase(String base, String expected) {
    assertEquals(URI.create(expected), valid().baseUrl(base).build().completionsUri());
  }

  @Test
  void theKeyIsReadFromTheNamedVariableAndNeverShown() {
    LlmSelectorSettings settings = valid().apiKeyVariable("LLM_KEY").build();

    assertEquals("Bearer sk-secret-123", settings.apiKey().orElseThrow().authorizationHeader());
    assertFalse(settings.toString().contains("sk-secret-123"), settings.toString());
    assertTrue(settings.toString().contains("api_key_env=LLM_KEY"), settings.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "UNSET_KEY  | api_key_env names UNSET_KEY, which is unset or empty",
      "BLANK_KEY  | api_key_env names BLANK_KEY, which is unset or empty",
      "SPACED_KEY | the API key in SPACED_KEY must be printable ASCII without spaces",
      "not-a-name | api_key_env must be an environment variable name"})
  void aMissingOrUnusableKeyIsRefusedWithoutShowingIt(String variable, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> valid().apiKeyVariable(variable).build());
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
    assertFalse(e.getMessage().contains("sk one"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "       | base_url must be set",
      "ftp://llm | base_url must be http or https",
      "http://user:pw@llm:8000 | base_url must have no user info",
      "http://llm:8000/?key=1 | base_url must have no user info",
      "https://api.example/v1 | base_url must stop before /v1",
      "http:// | base_url"})
  void aBadBaseUrlIsRefusedNamingTheField(String baseUrl, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> valid().baseUrl(baseUrl).build());
    assertTrue(e.getMessage().startsWith(message), e.getMessage());
    assertFalse(e.getMessage().contains("pw"), e.getMessage());
  }

  @Test
  void limitsAreNamedWithTheFieldAndTheValue() {
    assertMessage("model must name the served model, got ' '", valid().model(" "));
    assertMessage("timeout must be in (0, PT1M], got PT0S", valid().timeout(Duration.ZERO));
    assertMessage("connect_timeout must be in (0, PT1M], got PT2M",
        valid().connectTimeout(Duration.ofMinutes(2)));
    assertMessage("cache_ttl must be in (0, PT168H], got null", valid().cacheTtl(null));
    assertMessage("max_tokens must be in [1, 64] (the answer is one number), got 65",
        valid().maxTokens(65));
    assertMessage("cache_size must be in [0, 10000000] (0 = no cache), got -1",
        valid().cacheSize(-1));
  }

  private static void assertMessage(String expected, LlmSelectorSettings.Builder builder) {
    assertEquals(expected,
        assertThrows(IllegalArgumentException.class, builder::build).getMessage());
  }
}
