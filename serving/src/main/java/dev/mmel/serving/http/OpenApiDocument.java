package dev.mmel.serving.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.mmel.proto.v1.EntityLinkerProto;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OpenAPI 3.0 description of the HTTP API, generated from the .proto's descriptors when the
 * server starts, so the schemas are the messages' JSON mapping and cannot drift from them: one
 * schema per message reachable from mmel.v1.EntityLinker (fields by their JSON names, unknown
 * fields refused), one path per method.
 */
final class OpenApiDocument {
  static final String PATH = "/openapi.json";
  private static final String REFS = "#/components/schemas/";
  private static final String ERROR = "Error";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The route of each method of the service; a method without one fails the generation. */
  private static final Map<String, Route> ROUTES = Map.of(
      "LinkEntity", new Route("post", "/v1/link", "Links one mention. Also takes "
          + "multipart/form-data: a \"mention\" part (a Mention as JSON) and an \"image\" file."),
      "LinkEntities", new Route("post", "/v1/link:batch", "Links several mentions in one call; "
          + "a bad mention fails only its own outcome."),
      "GetInfo", new Route("get", "/v1/info", "What the server serves: model and index "
          + "versions, index size, limits, NIL gate."));

  private record Route(String method, String path, String summary) {}

  private OpenApiDocument() {}

  static String generate() {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.0.3");
    doc.putObject("info").put("title", "mmel HTTP/JSON API").put("version", "v1")
        .put("description", "mmel.v1.EntityLinker over HTTP: bodies are the .proto's messages "
            + "in protobuf's JSON mapping (lowerCamelCase names; the .proto's names are read "
            + "too; 64-bit integers as strings, bytes as base64). Errors are Error objects, at "
            + "the HTTP status google.rpc maps their code to.");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = JSON.createObjectNode();
    ServiceDescriptor service = EntityLinkerProto.getDescriptor()
        .findServiceByName("EntityLinker");
    Deque<Descriptor> pending = new ArrayDeque<>();
    for (MethodDescriptor method : service.getMethods()) {
      Route route = ROUTES.get(method.getName());
      if (route == null) {
        throw new IllegalStateException("the HTTP API has no route for "
            + method.getFullName());
      }
      ObjectNode operation = paths.putObject(route.path()).putObject(route.method());
      operation.put("operationId", method.getName()).put("summary", route.summary());
      operation.putArray("security").add(JSON.createObjectNode().set("bearer",
          JSON.createArrayNode()));
      if (route.method().equals("post")) {
        ObjectNode content = operation.putObject("requestBody").put("required", true)
            .putObject("content");
        content.putObject("application/json").set("schema", ref(method.getInputType()));
        if (method.getName().equals("LinkEntity")) {
          content.set("multipart/form-data", multipart());
        }
      }
      ObjectNode responses = operation.putObject("responses");
      responses.putObject("200").put("description", "OK").putObject("content")
          .putObject("application/json").set("schema", ref(method.getOutputType()));
      responses.set("default", errorResponse("An Error: 400 a field at fault, 401 no or a "
          + "wrong bearer token, 413 a body over max_message_bytes, 415 another Content-Type, "
          + "429 the queue is full, 503 not serving, 504 the deadline passed"));
      pending.add(method.getInputType());
      pending.add(method.getOutputType());
    }
    Map<String, Descriptor> seen = new LinkedHashMap<>();
    while (!pending.isEmpty()) {
      Descriptor type = pending.poll();
      if (seen.putIfAbsent(type.getFullName(), type) != null) {
        continue;
      }
      schemas.set(type.getFullName(), schema(type, pending));
    }
    plain(paths, "/healthz", "Liveness: 200 while the process answers", "application/json");
    ObjectNode ready = plain(paths, "/readyz", "Readiness: 200 only while grpc.health.v1 says "
        + "SERVING, else 503", "application/json");
    ((ObjectNode) ready.get("responses")).putObject("503").put("description", "Not serving (starting, "
        + "swapping, or model and index disagree)");
    plain(paths, "/metrics", "Prometheus metrics, the metrics port's registry",
        "text/plain");
    plain(paths, PATH, "This document", "application/json");
    schemas.set(ERROR, errorSchema());
    ObjectNode components = doc.putObject("components");
    components.set("schemas", schemas);
    components.putObject("securitySchemes").putObject("bearer").put("type", "http")
        .put("scheme", "bearer").put("description", "Required on /v1/* when the server was "
            + "started with a token");
    return doc.toPrettyString();
  }

  private static ObjectNode schema(Descriptor type, Deque<Descriptor> pending) {
    ObjectNode schema = JSON.createObjectNode();
    if (type.getFullName().equals(Any.getDescriptor().getFullName())) {
      // Any's JSON is its packed message's fields beside "@type".
      schema.put("type", "object").put("description", "google.protobuf.Any: the packed "
          + "message's fields beside its \"@type\" URL");
      schema.putArray("required").add("@type");
      schema.putObject("properties").putObject("@type").put("type", "string");
      schema.put("additionalProperties", true);
      return schema;
    }
    schema.put("type", "object").put("additionalProperties", false)
        .put("description", type.getFullName() + (type.getRealOneofs().isEmpty() ? ""
            : "; at most one of " + type.getRealOneofs().get(0).getFields().stream()
                .map(FieldDescriptor::getJsonName).toList()));
    ObjectNode properties = schema.putObject("properties");
    for (FieldDescriptor field : type.getFields()) {
      ObjectNode one = scalarOrRef(field, pending);
      ObjectNode property = field.isRepeated()
          ? JSON.createObjectNode().put("type", "array").set("items", one) : one;
      properties.set(field.getJsonName(), property);
    }
    return schema;
  }

  private static ObjectNode scalarOrRef(FieldDescriptor field, Deque<Descriptor> pending) {
    ObjectNode schema = JSON.createObjectNode();
    switch (field.getType()) {
      case MESSAGE, GROUP -> {
        pending.add(field.getMessageType());
        return ref(field.getMessageType());
      }
      case ENUM -> {
        schema.put("type", "string");
        ArrayNode values = schema.putArray("enum");
        for (EnumValueDescriptor value : field.getEnumType().getValues()) {
          values.add(value.getName());
        }
      }
      case STRING -> schema.put("type", "string");
      case BYTES -> schema.put("type", "string").put("format", "byte");
      case BOOL -> schema.put("type", "boolean");
      case INT32, SINT32, SFIXED32 -> schema.put("type", "integer").put("format", "int32");
      case UINT32, FIXED32 -> schema.put("type", "integer").put("format", "int64")
          .put("minimum", 0).put("maximum", 4_294_967_295L);
      case INT64, SINT64, SFIXED64 -> int64(schema, "int64", "^-?[0-9]+$");
      case UINT64, FIXED64 -> int64(schema, "uint64", "^[0-9]+$");
      case FLOAT, DOUBLE -> schema.put("type", "number")
          .put("format", field.getType() == FieldDescriptor.Type.FLOAT ? "float" : "double");
    }
    return schema;
  }

  private static void int64(ObjectNode schema, String format, String pattern) {
    schema.put("type", "string").put("format", format).put("pattern", pattern)
        .put("description", "a 64-bit integer, written as a string (a number is read too)");
  }

  private static ObjectNode ref(Descriptor type) {
    return JSON.createObjectNode().put("$ref", REFS + type.getFullName());
  }

  private static ObjectNode multipart() {
    ObjectNode media = JSON.createObjectNode();
    ObjectNode schema = media.putObject("schema").put("type", "object");
    schema.putArray("required").add(RequestBodies.MENTION_PART);
    ObjectNode properties = schema.putObject("properties");
    properties.putObject(RequestBodies.MENTION_PART).put("type", "string")
        .put("description", "the mmel.v1.Mention as JSON (its fields, without \"image\")");
    properties.putObject(RequestBodies.IMAGE_PART).put("type", "string")
        .put("format", "binary").put("description", "the mention's photo, JPEG or PNG");
    media.putObject("encoding").putObject(RequestBodies.MENTION_PART)
        .put("contentType", "application/json");
    return media;
  }

  private static ObjectNode errorResponse(String description) {
    ObjectNode response = JSON.createObjectNode().put("description", description);
    response.putObject("content").putObject("application/json").set("schema",
        JSON.createObjectNode().put("$ref", REFS + ERROR));
    return response;
  }

  private static ObjectNode errorSchema() {
    ObjectNode schema = JSON.createObjectNode().put("type", "object")
        .put("description", "A failed request: the gRPC status the same call would get");
    schema.putArray("required").add("code").add("httpStatus").add("message")
        .add("fieldViolations");
    ObjectNode properties = schema.putObject("properties");
    properties.putObject("code").put("type", "string")
        .put("description", "the google.rpc.Code name, e.g. INVALID_ARGUMENT");
    properties.putObject("httpStatus").put("type", "integer");
    properties.putObject("message").put("type", "string");
    ObjectNode violation = properties.putObject("fieldViolations").put("type", "array")
        .putObject("items").put("type", "object").putObject("properties");
    violation.putObject("field").put("type", "string")
        .put("description", "the field's path, e.g. mention.image");
    violation.putObject("description").put("type", "string");
    return schema;
  }

  private static ObjectNode plain(ObjectNode paths, String path, String summary, String type) {
    ObjectNode operation = paths.putObject(path).putObject("get").put("summary", summary);
    operation.putObject("responses").putObject("200").put("description", "OK")
        .putObject("content").putObject(type).putObject("schema").put("type",
            type.equals("text/plain") ? "string" : "object");
    return operation;
  }
}
