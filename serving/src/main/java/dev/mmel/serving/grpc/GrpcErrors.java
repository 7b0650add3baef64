package dev.mmel.serving.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.mmel.core.InvalidInputException;
import dev.mmel.serving.batch.OverloadedException;
import dev.mmel.serving.link.IndexUnavailableException;
import dev.mmel.serving.link.NotServingException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC statuses of the service's failures, as the .proto documents them. */
public final class GrpcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** INVALID_ARGUMENT with a google.rpc.BadRequest naming each field. */
  public static Status invalid(List<FieldViolation> violations) {
    BadRequest.Builder badRequest = BadRequest.newBuilder();
    StringBuilder message = new StringBuilder();
    for (FieldViolation v : violations) {
      badRequest.addFieldViolations(BadRequest.FieldViolation.newBuilder()
          .setField(v.field()).setDescription(v.description()));
      message.append(message.length() == 0 ? "" : "; ").append(v.field()).append(' ')
          .append(v.description());
    }
    return Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage(message.toString()).addDetails(Any.pack(badRequest.build())).build();
  }

  /** The status of a mention that failed while it was linked; {@code prefix} names it. */
  public static Status of(Exception error, String prefix) {
    if (error instanceof InvalidInputException invalid) {
      return invalid(List.of(new FieldViolation(prefix + invalid.field(),
          invalid.getMessage().substring(invalid.field().length() + 2))));
    }
    if (error instanceof TimeoutException) {
      return status(Code.DEADLINE_EXCEEDED, error.getMessage());
    }
    if (error instanceof OverloadedException) {
      return status(Code.RESOURCE_EXHAUSTED, error.getMessage());
    }
    if (error instanceof IndexUnavailableException || error instanceof NotServingException) {
      return status(Code.UNAVAILABLE, error.getMessage());
    }
    if (error instanceof RejectedExecutionException) {
      // The encoder of a binding being swapped out or shut down refuses new work.
      return status(Code.UNAVAILABLE, "the server is swapping its model or shutting down; "
          + "retry");
    }
    if (error instanceof InterruptedException) {
      return status(Code.CANCELLED, "the server is shutting down");
    }
    LOG.error("linking failed", error);
    return status(Code.INTERNAL, "linking failed: " + error);
  }

  public static StatusRuntimeException exception(Status status) {
    return StatusProto.toStatusRuntimeException(status);
  }

  private static Status status(Code code, String message) {
    return Status.newBuilder().setCode(code.getNumber())
        .setMessage(message == null ? code.name() : message).build();
  }
}
