package dev.mmel.serving.http;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * Calls into the server's own gRPC services in process, so that an HTTP request takes exactly
 * the gRPC path: the bearer-token check, the call log and metrics, validation, limits, the
 * default deadline and the statuses of failures. The request's Authorization header travels as
 * the call's "authorization" metadata.
 */
final class LocalCalls {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel channel;

  LocalCalls(Channel channel) {
    this.channel = channel;
  }

  /** @throws io.grpc.StatusRuntimeException the call's status when it failed */
  <Q, A> A call(MethodDescriptor<Q, A> method, Q request, String authorization) {
    Channel target = channel;
    if (authorization != null) {
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, authorization);
      target = ClientInterceptors.intercept(channel,
          MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return ClientCalls.blockingUnaryCall(target, method, CallOptions.DEFAULT, request);
  }

  /** What grpc.health.v1 says of {@code service} ("" = the server). */
  ServingStatus health(String service) {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
  }
}
