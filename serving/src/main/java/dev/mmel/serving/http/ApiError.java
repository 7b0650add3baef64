package dev.mmel.serving.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.Status;
import java.util.List;

/**
 * A failed request as the HTTP API answers it: the gRPC status (code name, message, the field
 * violations of its google.rpc.BadRequest) with its HTTP status, e.g. {"code":
 * "INVALID_ARGUMENT", "httpStatus": 400, "message": ..., "fieldViolations": [{"field": ...,
 * "description": ...}]}.
 */
record ApiError(int httpStatus, Status status) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The error of a gRPC status, at the HTTP status its code maps to. */
  static ApiError of(Status status) {
    return new ApiError(HttpStatuses.of(code(status)), status);
  }

  /** INVALID_ARGUMENT (400) naming each field. */
  static ApiError invalid(List<BadRequest.FieldViolation> violations) {
    StringBuilder message = new StringBuilder();
    for (BadRequest.FieldViolation v : violations) {
      message.append(message.length() == 0 ? "" : "; ").append(v.getField()).append(' ')
          .append(v.getDescription());
    }
    return of(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage(message.toString())
        .addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(violations).build()))
        .build());
  }

  static ApiError invalid(String field, String description) {
    return invalid(List.of(violation(field, description)));
  }

  /** An error at an HTTP status of its own (413, 415, 404, 405) with a gRPC code beside it. */
  static ApiError at(int httpStatus, Code code, String field, String description) {
    ApiError invalid = invalid(field, description);
    return new ApiError(httpStatus, invalid.status().toBuilder().setCode(code.getNumber())
        .build());
  }

  static BadRequest.FieldViolation violation(String field, String description) {
    return BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description)
        .build();
  }

  Code code() {
    return code(status);
  }

  String toJson() {
    ObjectNode body = JSON.createObjectNode();
    body.put("code", code().name());
    body.put("httpStatus", httpStatus);
    body.put("message", status.getMessage());
    ArrayNode fields = body.putArray("fieldViolations");
    for (Any detail : status.getDetailsList()) {
      if (detail.is(BadRequest.class)) {
        for (BadRequest.FieldViolation v : unpack(detail).getFieldViolationsList()) {
          fields.addObject().put("field", v.getField()).put("description", v.getDescription());
        }
      }
    }
    return body.toString();
  }

  private static BadRequest unpack(Any detail) {
    try {
      return detail.unpack(BadRequest.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a BadRequest detail could not be read", e);
    }
  }

  private static Code code(Status status) {
    Code code = Code.forNumber(status.getCode());
    return code == null ? Code.UNKNOWN : code;
  }
}
