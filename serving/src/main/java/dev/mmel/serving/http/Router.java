package dev.mmel.serving.http;

import com.google.rpc.Code;
import dev.mmel.proto.v1.EntityLinkerGrpc;
import dev.mmel.proto.v1.GetInfoRequest;
import dev.mmel.proto.v1.LinkEntitiesRequest;
import dev.mmel.proto.v1.LinkEntityRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.StatusProto;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API's routes: the EntityLinker methods as JSON (answered by the gRPC service in
 * process), liveness, readiness from grpc.health.v1, metrics, the OpenAPI description and the
 * console. Every failure is an {@link ApiError}.
 */
final class Router extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);
  private static final String LINK = "/v1/link";
  private static final String BATCH = "/v1/link:batch";
  private static final String INFO = "/v1/info";
  private static final Map<String, String> METHODS = Map.of(LINK, "POST", BATCH, "POST",
      INFO, "GET", "/healthz", "GET", "/readyz", "GET", "/metrics", "GET",
      OpenApiDocument.PATH, "GET");

  private final LocalCalls calls;
  private final RequestBodies bodies;
  private final ProtoJson json;
  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter metricsFormat = PrometheusTextFormatWriter.create();
  private final HttpMetrics metrics;
  private final byte[] openApi;
  private final ConsoleAssets console = new ConsoleAssets();

  Router(LocalCalls calls, RequestBodies bodies, ProtoJson json, PrometheusRegistry registry) {
    this.calls = calls;
    this.bodies = bodies;
    this.json = json;
    this.registry = registry;
    this.metrics = new HttpMetrics(registry);
    this.openApi = OpenApiDocument.generate().getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    String path = Request.getPathInContext(request);
    int status;
    try {
      status = route(path, request, response, callback);
    } catch (ApiException e) {
      status = Replies.error(response, callback, e.error());
    } catch (StatusRuntimeException e) {
      status = Replies.error(response, callback, ApiError.of(StatusProto.fromThrowable(e)));
    } catch (IOException e) {
      status = Replies.error(response, callback, ApiError.invalid("body", "could not be read: "
          + e.getMessage()));
    } catch (RuntimeException e) {
      LOG.error("{} {} failed", request.getMethod(), path, e);
      status = Replies.error(response, callback, ApiError.of(com.google.rpc.Status.newBuilder()
          .setCode(Code.INTERNAL_VALUE).setMessage("the request failed: " + e).build()));
    }
    metrics.observe(METHODS.containsKey(path) ? path
        : path.startsWith(ConsoleAssets.ROOT) ? ConsoleAssets.ROOT : "other", status,
        (System.nanoTime() - start) / 1e9);
    return true;
  }

  private int route(String path, Request request, Response response, Callback callback)
      throws ApiException, IOException {
    String allowed = METHODS.get(path);
    if (allowed != null && !allowed.equals(request.getMethod())) {
      response.getHeaders().put(HttpHeader.ALLOW, allowed);
      throw new ApiException(ApiError.at(405, Code.UNIMPLEMENTED, "method", request.getMethod()
          + " is not served at " + path + "; use " + allowed));
    }
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    switch (path) {
      case LINK -> {
        LinkEntityRequest link = bodies.linkRequest(request);
        return Replies.json(response, callback, 200, json.print(calls.call(
            EntityLinkerGrpc.getLinkEntityMethod(), link, authorization)));
      }
      case BATCH -> {
        LinkEntitiesRequest batch = bodies.json(request, LinkEntitiesRequest.newBuilder())
            .build();
        return Replies.json(response, callback, 200, json.print(calls.call(
            EntityLinkerGrpc.getLinkEntitiesMethod(), batch, authorization)));
      }
      case INFO -> {
        return Replies.json(response, callback, 200, json.print(calls.call(
            EntityLinkerGrpc.getGetInfoMethod(), GetInfoRequest.getDefaultInstance(),
            authorization)));
      }
      case "/healthz" -> {
        return Replies.json(response, callback, 200, "{\"status\":\"alive\"}");
      }
      case "/readyz" -> {
        ServingStatus health = readiness();
        return Replies.json(response, callback, health == ServingStatus.SERVING ? 200 : 503,
            "{\"status\":\"" + health.name() + "\"}");
      }
      case "/metrics" -> {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        metricsFormat.write(text, registry.scrape());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        return Replies.bytes(response, callback, 200, metricsFormat.getContentType(),
            text.toByteArray());
      }
      case OpenApiDocument.PATH -> {
        return Replies.bytes(response, callback, 200, Replies.JSON, openApi);
      }
      case "/", "/console" -> {
        return Replies.redirect(response, callback, ConsoleAssets.ROOT);
      }
      default -> {
        return asset(path, request, response, callback);
      }
    }
  }

  private int asset(String path, Request request, Response response, Callback callback)
      throws ApiException {
    Optional<ConsoleAssets.Asset> asset = console.get(path);
    if (asset.isEmpty()) {
      throw new ApiException(ApiError.at(404, Code.NOT_FOUND, "path", path + " is not served "
          + "here; the API is described at " + OpenApiDocument.PATH));
    }
    if (!"GET".equals(request.getMethod())) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET");
      throw new ApiException(ApiError.at(405, Code.UNIMPLEMENTED, "method", request.getMethod()
          + " is not served at " + path + "; use GET"));
    }
    // Everything the console loads comes from this server.
    response.getHeaders().put("Content-Security-Policy", "default-src 'self'; img-src 'self' "
        + "blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    return Replies.bytes(response, callback, 200, asset.get().contentType(),
        asset.get().bytes());
  }

  /** The service's health; NOT_SERVING when it cannot be asked (shutting down). */
  private ServingStatus readiness() {
    try {
      return calls.health(EntityLinkerGrpc.SERVICE_NAME);
    } catch (StatusRuntimeException e) {
      return ServingStatus.NOT_SERVING;
    }
  }
}
