package dev.mmel.serving.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import dev.mmel.proto.v1.EntityLinkerProto;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI description against the .proto's descriptors, walked here on their own: every
 * message the service reaches has a schema whose properties are exactly its fields' JSON names,
 * arrays where fields repeat and references to the right message, and every method a path.
 */
class OpenApiDocumentTest {
  private static final String REFS = "#/components/schemas/";

  @Test
  void schemasAreExactlyTheMessagesFieldsAndNothingElse() throws Exception {
    JsonNode doc = new ObjectMapper().readTree(OpenApiDocument.generate());
    JsonNode schemas = doc.get("components").get("schemas");
    Deque<Descriptor> pending = new ArrayDeque<>();
    Set<String> expectedSchemas = new TreeSet<>(Set.of("Error"));
    for (MethodDescriptor method : EntityLinkerProto.getDescriptor()
        .findServiceByName("EntityLinker").getMethods()) {
      pending.add(method.getInputType());
      pending.add(method.getOutputType());
    }
    Set<String> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      Descriptor type = pending.poll();
      if (!seen.add(type.getFullName())) {
        continue;
      }
      expectedSchemas.add(type.getFullName());
      JsonNode schema = schemas.get(type.getFullName());
      assertTrue(schema != null, "no schema for " + type.getFullName());
      if (type.getFullName().equals("google.protobuf.Any")) {
        continue;
      }
      Set<String> fields = new TreeSet<>();
      for (FieldDescriptor field : type.getFields()) {
        fields.add(field.getJsonName());
        JsonNode property = schema.get("properties").get(field.getJsonName());
        assertTrue(property != null, type.getFullName() + "." + field.getName() + " is missing");
        JsonNode item = property;
        if (field.isRepeated()) {
          assertEquals("array", property.get("type").asText(), field.getFullName());
          item = property.get("items");
        }
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          assertEquals(REFS + field.getMessageType().getFullName(), item.get("$ref").asText(),
              field.getFullName());
          pending.add(field.getMessageType());
        } else {
          assertTrue(item.has("type"), field.getFullName());
        }
      }
      assertEquals(fields, names(schema.get("properties")), type.getFullName()
          + ": the schema's properties against the message's fields");
      assertEquals(false, schema.get("additionalProperties").asBoolean(),
          "unknown fields are refused, so the schema says so: " + type.getFullName());
    }
    assertEquals(expectedSchemas, names(schemas), "no schema without a message behind it");
    assertEquals(EntityLinkerProto.getDescriptor().findServiceByName("EntityLinker")
        .getMethods().size(), doc.get("paths").properties().stream()
            .filter(p -> p.getKey().startsWith("/v1/")).count());
  }

  @Test
  void enumsListTheirValuesAndLongsAreStrings() throws Exception {
    JsonNode schemas = new ObjectMapper().readTree(OpenApiDocument.generate())
        .get("components").get("schemas");
    JsonNode source = schemas.get("mmel.v1.LinkResult").get("properties")
        .get("descriptionSource");
    assertEquals(5, source.get("enum").size());
    assertEquals("string", schemas.get("mmel.v1.GetInfoResponse").get("properties")
        .get("indexSize").get("type").asText());
  }

  private static Set<String> names(JsonNode object) {
    Set<String> names = new TreeSet<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
