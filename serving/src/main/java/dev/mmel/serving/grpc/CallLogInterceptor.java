package dev.mmel.serving.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times every call and counts it by method and status code, and logs one structured line per
 * call (method, code, milliseconds; the description of a failure). Request contents and
 * headers (which may carry a token) are never logged.
 */
public final class CallLogInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger("mmel.calls");

  private final ServingMetrics metrics;

  public CallLogInterceptor(ServingMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.call(method, status.getCode(), seconds);
        if (status.isOk()) {
          LOG.debug("call method={} code=OK ms={}", method, Math.round(seconds * 1e3));
        } else {
          LOG.info("call method={} code={} ms={} description=\"{}\"", method,
              status.getCode(), Math.round(seconds * 1e3), status.getDescription());
        }
        super.close(status, trailers);
      }
    }, headers);
  }
}
