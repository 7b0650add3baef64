package dev.mmel.serving.http;

import com.google.rpc.Code;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals (a request line or header it cannot parse, a URI too long) as the API's
 * {@link ApiError} JSON instead of an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(Request request, Response response, int status,
      String message, Throwable cause, Callback callback) {
    Code code = status == 404 ? Code.NOT_FOUND : status >= 500 ? Code.INTERNAL
        : Code.INVALID_ARGUMENT;
    String body = ApiError.at(status, code, "request", message == null ? "was refused (HTTP "
        + status + ")" : message).toJson();
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Replies.JSON);
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }
}
