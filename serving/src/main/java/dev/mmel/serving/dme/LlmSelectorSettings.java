package dev.mmel.serving.dme;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * How the LLM description selector reaches its OpenAI-compatible endpoint, how long it may
 * wait, and how much it remembers. Built and validated once by {@link Builder#build()}; the API
 * key is read there from the environment variable the configuration names, so configuration
 * files hold the variable's name, never the key.
 */
public final class LlmSelectorSettings {
  static final String COMPLETIONS_PATH = "v1/chat/completions";

  private final URI completionsUri;
  private final String model;
  private final Optional<String> apiKeyVariable;
  private final Optional<ApiKey> apiKey;
  private final Duration timeout;
  private final Duration connectTimeout;
  private final int maxTokens;
  private final long cacheSize;
  private final Duration cacheTtl;

  private LlmSelectorSettings(Builder b, URI completionsUri, Optional<ApiKey> apiKey) {
    this.completionsUri = completionsUri;
    this.model = b.model;
    this.apiKeyVariable = Optional.ofNullable(b.apiKeyVariable);
    this.apiKey = apiKey;
    this.timeout = b.timeout;
    this.connectTimeout = b.connectTimeout;
    this.maxTokens = b.maxTokens;
    this.cacheSize = b.cacheSize;
    this.cacheTtl = b.cacheTtl;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code {base_url}/v1/chat/completions}. */
  public URI completionsUri() {
    return completionsUri;
  }

  public String model() {
    return model;
  }

  /** The name of the environment variable the key was read from; empty: no key is sent. */
  public Optional<String> apiKeyVariable() {
    return apiKeyVariable;
  }

  Optional<ApiKey> apiKey() {
    return apiKey;
  }

  /** The longest a call waits for the LLM; a call's own deadline may leave less. */
  public Duration timeout() {
    return timeout;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** Choices remembered at most; 0 turns the cache off. */
  public long cacheSize() {
    return cacheSize;
  }

  public Duration cacheTtl() {
    return cacheTtl;
  }

  @Override
  public String toString() {
    return "LlmSelectorSettings[completions_uri=" + completionsUri + ", model=" + model
        + ", api_key_env=" + apiKeyVariable.orElse("(none)") + ", timeout=" + timeout
        + ", connect_timeout=" + connectTimeout + ", max_tokens=" + maxTokens + ", cache_size="
        + cacheSize + ", cache_ttl=" + cacheTtl + "]";
  }

  /** Defaults: timeout 2 s, connect timeout 1 s, 8 tokens, 100,000 choices kept for 1 hour. */
  public static final class Builder {
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(1);
    private static final int MAX_TOKENS_LIMIT = 64;
    private static final long MAX_CACHE_SIZE = 10_000_000L;
    private static final Duration MAX_CACHE_TTL = Duration.ofDays(7);

    private String baseUrl;
    private String model;
    private String apiKeyVariable;
    private UnaryOperator<String> environment = System::getenv;
    private Duration timeout = Duration.ofSeconds(2);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private int maxTokens = 8;
    private long cacheSize = 100_000;
    private Duration cacheTtl = Duration.ofHours(1);

    private Builder() {}

    /** The server's root, e.g. {@code http://127.0.0.1:8000}; the API path is appended. */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** The environment variable holding the key; unset for endpoints that take none. */
    public Builder apiKeyVariable(String apiKeyVariable) {
      this.apiKeyVariable = apiKeyVariable;
      return this;
    }

    /** Where variables are read; the process environment unless a test says otherwise. */
    Builder environment(UnaryOperator<String> environment) {
      this.environment = environment;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder maxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    public Builder cacheSize(long cacheSize) {
      this.cacheSize = cacheSize;
      return this;
    }

    public Builder cacheTtl(Duration cacheTtl) {
      this.cacheTtl = cacheTtl;
      return this;
    }

    public LlmSelectorSettings build() {
      URI completions = completionsUri(baseUrl);
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("model must name the served model, got '" + model
            + "'");
      }
      positiveUpTo("timeout", timeout, MAX_TIMEOUT);
      positiveUpTo("connect_timeout", connectTimeout, MAX_TIMEOUT);
      positiveUpTo("cache_ttl", cacheTtl, MAX_CACHE_TTL);
      if (maxTokens < 1 || maxTokens > MAX_TOKENS_LIMIT) {
        throw new IllegalArgumentException("max_tokens must be in [1, " + MAX_TOKENS_LIMIT
            + "] (the answer is one number), got " + maxTokens);
      }
      if (cacheSize < 0 || cacheSize > MAX_CACHE_SIZE) {
        throw new IllegalArgumentException("cache_size must be in [0, " + MAX_CACHE_SIZE
            + "] (0 = no cache), got " + cacheSize);
      }
      return new LlmSelectorSettings(this, completions, readKey());
    }

    private Optional<ApiKey> readKey() {
      if (apiKeyVariable == null) {
        return Optional.empty();
      }
      if (!apiKeyVariable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException("api_key_env must be an environment variable name "
            + "(letters, digits, '_'), got '" + apiKeyVariable + "'");
      }
      String value = environment.apply(apiKeyVariable);
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException("api_key_env names " + apiKeyVariable
            + ", which is unset or empty");
      }
      return Optional.of(new ApiKey(apiKeyVariable, value.strip()));
    }

    private static URI completionsUri(String baseUrl) {
      if (baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException("base_url must be set, e.g. http://127.0.0.1:8000");
      }
      URI base;
      try {
        base = new URI(baseUrl.strip());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("base_url is not a URL: '" + baseUrl + "'", e);
      }
      if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
        throw new IllegalArgumentException("base_url must be http or https, got '" + baseUrl
            + "'");
      }
      if (base.getHost() == null) {
        throw new IllegalArgumentException("base_url must name a host, got '" + baseUrl + "'");
      }
      // Credentials in the URL would end up in log lines; the key belongs in api_key_env.
      if (base.getRawUserInfo() != null || base.getRawQuery() != null
          || base.getRawFragment() != null) {
        throw new IllegalArgumentException("base_url must have no user info, query or fragment "
            + "(put the key in the variable api_key_env names), got host " + base.getHost());
      }
      String path = base.getRawPath() == null ? "" : base.getRawPath();
      if (path.matches(".*/v1/?")) {
        throw new IllegalArgumentException("base_url must stop before /v1 (the selector appends "
            + "/" + COMPLETIONS_PATH + "), got '" + baseUrl + "'");
      }
      String root = path.endsWith("/") ? path : path + "/";
      return base.resolve(root + COMPLETIONS_PATH);
    }

    private static void positiveUpTo(String field, Duration value, Duration max) {
      if (value == null || value.isNegative() || value.isZero() || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(field + " must be in (0, " + max + "], got " + value);
      }
    }
  }
}
