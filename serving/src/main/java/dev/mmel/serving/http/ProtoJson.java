package dev.mmel.serving.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The .proto's messages as JSON, by protobuf's own JSON mapping ({@link JsonFormat}), strict
 * where that mapping is lenient: a body must be exactly one JSON value (no trailing text,
 * comments or repeated keys), and strings, bytes and booleans must be JSON strings and booleans
 * (JsonFormat would take 5 for "5"). A refused body names every field at fault by its path in
 * the .proto (e.g. "mention.options.top_k"), as the gRPC service names its fields.
 */
final class ProtoJson {
  /** A leading "some.package.SomeException: " of a wrapped exception's message. */
  private static final Pattern WRAPPED = Pattern.compile("^([\\w$]+\\.)+[\\w$]*Exception: ");

  private final ObjectMapper strict;
  private final JsonFormat.Parser parser = JsonFormat.parser();
  private final JsonFormat.Printer printer = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(BadRequest.getDescriptor()).build())
      .includingDefaultValueFields()
      .omittingInsignificantWhitespace();

  ProtoJson(int maxBodyBytes) {
    JsonMapper mapper = JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
    // Jackson's own string cap (20 MB) is below the body limit a base64 image may fill.
    mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
        .maxStringLength(Math.max(maxBodyBytes, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
        .maxNestingDepth(64).build());
    this.strict = mapper;
  }

  /**
   * Reads {@code body} into {@code builder}.
   *
   * @param prefix what the fields' paths start with, e.g. "mention." for a multipart mention
   * @throws ApiException INVALID_ARGUMENT naming the fields at fault
   */
  <B extends Message.Builder> B parse(byte[] body, B builder, String prefix)
      throws ApiException {
    JsonNode tree;
    try {
      tree = strict.readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiException(ApiError.invalid(prefix.isEmpty() ? "body" : trim(prefix),
          "is not valid JSON: " + e.getOriginalMessage() + where(e.getLocation())));
    } catch (IOException e) {
      throw new ApiException(ApiError.invalid("body", "could not be read: " + e.getMessage()));
    }
    if (tree == null || tree.isMissingNode()) {
      throw new ApiException(ApiError.invalid(prefix.isEmpty() ? "body" : trim(prefix),
          "is empty; expected a JSON object (" + builder.getDescriptorForType().getFullName()
              + ")"));
    }
    List<BadRequest.FieldViolation> violations = new ArrayList<>();
    walk(tree, builder.getDescriptorForType(), prefix, false, violations);
    if (!violations.isEmpty()) {
      throw new ApiException(ApiError.invalid(violations));
    }
    try {
      parser.merge(new String(body, StandardCharsets.UTF_8), builder);
    } catch (InvalidProtocolBufferException e) {
      walk(tree, builder.getDescriptorForType(), prefix, true, violations);
      if (violations.isEmpty()) {
        violations.add(ApiError.violation(prefix.isEmpty() ? "body" : trim(prefix),
            clean(e.getMessage())));
      }
      throw new ApiException(ApiError.invalid(violations));
    }
    return builder;
  }

  String print(MessageOrBuilder message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a response could not be written as JSON", e);
    }
  }

  /**
   * Checks the JSON kinds of {@code node}'s fields against {@code type}; with {@code probe},
   * also lets JsonFormat read each scalar alone, to find the one it refused.
   */
  private void walk(JsonNode node, Descriptor type, String path, boolean probe,
      List<BadRequest.FieldViolation> out) {
    if (!node.isObject()) {
      out.add(ApiError.violation(path.isEmpty() ? "body" : trim(path), "must be a JSON object ("
          + type.getFullName() + "), got " + kind(node)));
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      FieldDescriptor field = field(type, entry.getKey());
      if (field == null) {
        out.add(ApiError.violation(path + entry.getKey(), "is not a field of "
            + type.getFullName() + "; its fields are " + type.getFields().stream()
                .map(FieldDescriptor::getJsonName).collect(Collectors.joining(", "))));
        continue;
      }
      JsonNode value = entry.getValue();
      String at = path + field.getName();
      if (value.isNull()) {
        continue;
      }
      if (!field.isRepeated()) {
        element(value, field, at, entry.getKey(), type, false, probe, out);
      } else if (!value.isArray()) {
        out.add(ApiError.violation(at, "must be a JSON array, got " + kind(value)));
      } else {
        for (int i = 0; i < value.size(); i++) {
          element(value.get(i), field, at + "[" + i + "]", entry.getKey(), type, true, probe,
              out);
        }
      }
    }
  }

  private void element(JsonNode value, FieldDescriptor field, String at, String key,
      Descriptor owner, boolean repeated, boolean probe, List<BadRequest.FieldViolation> out) {
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      walk(value, field.getMessageType(), at + ".", probe, out);
      return;
    }
    String expected = expected(field, value);
    if (expected != null) {
      out.add(ApiError.violation(at, "must be " + expected + ", got " + kind(value)));
      return;
    }
    if (probe) {
      ObjectNode alone = strict.createObjectNode();
      if (repeated) {
        alone.putArray(key).add(value);
      } else {
        alone.set(key, value);
      }
      try {
        parser.merge(alone.toString(), DynamicMessage.newBuilder(owner));
      } catch (InvalidProtocolBufferException e) {
        String why = clean(e.getMessage());
        out.add(ApiError.violation(at, field.getType() == FieldDescriptor.Type.BYTES
            ? "must be base64 (standard or URL-safe): " + why : why));
      }
    }
  }

  /** What a scalar field takes, when {@code value} is not of that JSON kind; else null. */
  private static String expected(FieldDescriptor field, JsonNode value) {
    return switch (field.getJavaType()) {
      case STRING -> value.isTextual() ? null : "a JSON string";
      case BYTE_STRING -> value.isTextual() ? null : "a base64 JSON string";
      case BOOLEAN -> value.isBoolean() ? null : "true or false";
      case ENUM -> value.isTextual() || value.isIntegralNumber() ? null
          : "one of " + field.getEnumType().getValues().stream().map(v -> v.getName())
              .collect(Collectors.joining(", "));
      case INT, LONG, FLOAT, DOUBLE -> value.isNumber() || value.isTextual() ? null
          : "a number";
      case MESSAGE -> null;
    };
  }

  private static FieldDescriptor field(Descriptor type, String key) {
    for (FieldDescriptor field : type.getFields()) {
      if (field.getJsonName().equals(key) || field.getName().equals(key)) {
        return field;
      }
    }
    return null;
  }

  private static String kind(JsonNode node) {
    return switch (node.getNodeType()) {
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      case STRING -> "a string";
      case NUMBER -> "the number " + node;
      case BOOLEAN -> node.toString();
      case NULL -> "null";
      default -> node.getNodeType().name().toLowerCase();
    };
  }

  private static String where(JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? ""
        : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  private static String trim(String prefix) {
    return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  private static String clean(String message) {
    return message == null ? "was refused" : WRAPPED.matcher(message).replaceFirst("");
  }
}
