package dev.mmel.serving.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Requires "authorization: Bearer TOKEN" on every call it guards. The token is compared in
 * constant time and never logged; a call without it ends UNAUTHENTICATED before any work.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final byte[] expected;

  public BearerTokenInterceptor(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the bearer token must not be empty");
    }
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String given = headers.get(AUTHORIZATION);
    if (given == null || !MessageDigest.isEqual(expected,
        given.getBytes(StandardCharsets.UTF_8))) {
      call.close(Status.UNAUTHENTICATED.withDescription(given == null
          ? "this server requires an 'authorization: Bearer <token>' header"
          : "the bearer token is wrong"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  @Override
  public String toString() {
    return "BearerTokenInterceptor[token hidden]";
  }
}
