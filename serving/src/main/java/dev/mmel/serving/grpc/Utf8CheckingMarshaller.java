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
import java.util.Optional;

/**
 * Reads requests as the generated marshaller does, but lets the service answer a body protobuf
 * refuses with INVALID_ARGUMENT naming the field where it can (a string that is not UTF-8:
 * protobuf's own error is INTERNAL "Invalid protobuf byte sequence", naming nothing). gRPC
 * turns an exception thrown while parsing into UNKNOWN, so the refusal travels to the service
 * inside an empty request instead, as an unknown field only this class reads and writes.
 */
final class Utf8CheckingMarshaller<T extends Message> implements MethodDescriptor.Marshaller<T> {
  /** Far above any field of the contract. */
  private static final int REFUSAL_FIELD = 536_870_000;
  /** Field numbers of the text fields of {@link Mention} and their names. */
  private static final int[] TEXT_FIELDS = {Mention.SURFACE_FIELD_NUMBER,
      Mention.SENTENCE_FIELD_NUMBER, Mention.DESCRIPTION_FIELD_NUMBER};
  private static final String[] TEXT_NAMES = {"surface", "sentence", "description"};

  private final MethodDescriptor.Marshaller<T> generated;
  private final Parser<T> parser;
  private final T empty;
  /** Where the request holds mentions: "mention" (one) or "mentions" (repeated). */
  private final String mentionsField;
  private final int mentionsNumber;

  Utf8CheckingMarshaller(MethodDescriptor.Marshaller<T> generated, Parser<T> parser, T empty,
      String mentionsField, int mentionsNumber) {
    this.generated = generated;
    this.parser = parser;
    this.empty = empty;
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
      return refused(List.of(new FieldViolation("request", "could not be read: "
          + e.getMessage())));
    }
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      List<FieldViolation> violations = notUtf8(bytes);
      if (violations.isEmpty()) {
        violations = List.of(new FieldViolation("request", "is not a valid "
            + "protobuf message of this method: " + e.getMessage()));
      }
      return refused(violations);
    }
  }

  /** The refusal the marshaller put into {@code request}, if it could not be read. */
  static Optional<com.google.rpc.Status> refusal(Message request) {
    UnknownFieldSet.Field field = request.getUnknownFields().getField(REFUSAL_FIELD);
    if (field.getLengthDelimitedList().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(com.google.rpc.Status.parseFrom(field.getLengthDelimitedList().get(0)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the refusal of a request could not be read back", e);
    }
  }

  @SuppressWarnings("unchecked")
  private T refused(List<FieldViolation> violations) {
    return (T) empty.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(REFUSAL_FIELD, UnknownFieldSet.Field.newBuilder()
            .addLengthDelimited(GrpcErrors.invalid(violations).toByteString()).build())
        .build()).build();
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
