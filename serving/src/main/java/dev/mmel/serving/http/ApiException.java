package dev.mmel.serving.http;

/** A request refused before it reached the service (its body, type, path or method). */
final class ApiException extends Exception {
  private final transient ApiError error;

  ApiException(ApiError error) {
    super(error.status().getMessage(), null, false, false);
    this.error = error;
  }

  ApiError error() {
    return error;
  }
}
