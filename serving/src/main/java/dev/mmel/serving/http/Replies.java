package dev.mmel.serving.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Writes an answer whole and completes the request's callback; returns the HTTP status. */
final class Replies {
  static final String JSON = "application/json";

  private Replies() {}

  static int json(Response response, Callback callback, int status, String body) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    return bytes(response, callback, status, JSON, body.getBytes(StandardCharsets.UTF_8));
  }

  static int error(Response response, Callback callback, ApiError error) {
    if (error.httpStatus() == 401) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
    }
    return json(response, callback, error.httpStatus(), error.toJson());
  }

  static int bytes(Response response, Callback callback, int status, String contentType,
      byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return status;
  }

  static int redirect(Response response, Callback callback, String location) {
    response.setStatus(302);
    response.getHeaders().put(HttpHeader.LOCATION, location);
    response.write(true, null, callback);
    return 302;
  }
}
