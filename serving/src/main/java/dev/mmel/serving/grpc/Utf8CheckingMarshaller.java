package dev.mmel.serving.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.UnknownFieldSet;
import dev.mmel.proto.v1.Mention;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads requests as the generated marshaller does, but answers a body protobuf refuses with
 * INVALID_ARGUMENT naming the field where it can (a string that is not UTF-8: protobuf's own
 * error is INTERNAL "Invalid protobuf byte sequence", naming nothing).
 */
final class Utf8CheckingMarshaller<T extends Message> implements MethodDescriptor.Marshaller<T> {
  /** Field numbers of the text fields of {@link Mention} and their names. */
  private static final int[] TEXT_FIELDS = {Mention.SURFACE_FIELD_NUMBER,
      Mention.SENTENCE_FIELD_NUMBER, Mention.DESCRIPTION_FIELD_NUMBER};
  private static final String[] TEXT_NAMES = {"surface", "sentence", "description"};

  private final MethodDescriptor.Marshaller<T> generated;
  private final Parser<T> parser;
  /** Where the request holds mentions: "mention" (one) or "mentions" (repeated). */
  private final String mentionsField;
  private final int mentionsNumber;

  Utf8CheckingMarshaller(MethodDescriptor.Marshaller<T> generated, Parser<T> parser,
      String mentionsField, int mentionsNumber) {
    this.generated = generated;
    this.parser = parser;
    this.mentionsField = mentionsField;
    this.mentionsNumber = mentionsNumber;
  }

  @Override
  public InputStream stream(T value) {
    return generated.stream(value);
  }

  @Override
  public T parse(InputStream stream) {
    byte[] bytes;
    try {
      bytes = stream.readAllBytes();
    } catch (IOException e) {
      throw GrpcErrors.exception(GrpcErrors.invalid(List.of(new FieldViolation("request",
          "could not be read: " + e.getMessage()))));
    }
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      List<FieldViolation> violations = notUtf8(bytes);
      if (violations.isEmpty()) {
        violations = List.of(new FieldViolation("request", "is not a valid "
            + "protobuf message of this method: " + e.getMessage()));
      }
      throw GrpcErrors.exception(GrpcErrors.invalid(violations));
    }
  }

  /** The mentions' text fields that are not UTF-8, read without UTF-8 checks. */
  private List<FieldViolation> notUtf8(byte[] bytes) {
    List<FieldViolation> violations = new ArrayList<>();
    try {
      UnknownFieldSet request = UnknownFieldSet.parseFrom(CodedInputStream.newInstance(bytes));
      UnknownFieldSet.Field mentions = request.getField(mentionsNumber);
      List<ByteString> each = mentions.getLengthDelimitedList();
      for (int i = 0; i < each.size(); i++) {
        UnknownFieldSet mention = UnknownFieldSet.parseFrom(each.get(i));
        String prefix = mentionsField + (mentionsNumber == 1 && each.size() == 1
            && mentionsField.equals("mention") ? "" : "[" + i + "]") + ".";
        for (int f = 0; f < TEXT_FIELDS.length; f++) {
          for (ByteString text : mention.getField(TEXT_FIELDS[f]).getLengthDelimitedList()) {
            if (!text.isValidUtf8()) {
              violations.add(new FieldViolation(prefix + TEXT_NAMES[f], "is not valid UTF-8"));
            }
          }
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return violations;
  }
}
