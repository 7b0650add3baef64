package dev.mmel.serving.http;

import com.google.protobuf.ByteString;
import com.google.rpc.Code;
import dev.mmel.proto.v1.LinkEntityRequest;
import dev.mmel.proto.v1.Mention;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Request bodies: read whole up to the size limit (413 beyond it, before a byte more is read),
 * as JSON or as multipart/form-data (a "mention" part in JSON and an "image" file part). The
 * body is read before anything about it is checked: an error answered with the body unread
 * makes the server close a kept-alive connection, which a client reusing it only finds out on
 * its next request ("header parser received no bytes").
 */
final class RequestBodies {
  static final String MENTION_PART = "mention";
  static final String IMAGE_PART = "image";
  /** The most of a refused body that is read (and dropped) before the 413 is sent. */
  private static final long DISCARDED_AT_MOST = 64L << 20;

  private final int maxBytes;
  private final ProtoJson json;

  RequestBodies(int maxBytes, ProtoJson json) {
    this.maxBytes = maxBytes;
    this.json = json;
  }

  /** The body as the message {@code builder} is of, from JSON. */
  <B extends com.google.protobuf.Message.Builder> B json(Request request, B builder)
      throws ApiException, IOException {
    String type = contentType(request);
    byte[] body = read(request);
    if (!type.isEmpty() && !isJson(type)) {
      throw unsupported(type, "application/json");
    }
    return json.parse(body, builder, "");
  }

  /** A LinkEntityRequest from a JSON body, or from a multipart form with the image a file. */
  LinkEntityRequest linkRequest(Request request) throws ApiException, IOException {
    String type = contentType(request);
    byte[] body = read(request);
    if (type.startsWith("multipart/form-data")) {
      return multipart(request, body);
    }
    if (!type.isEmpty() && !isJson(type)) {
      throw unsupported(type, "application/json or multipart/form-data");
    }
    return json.parse(body, LinkEntityRequest.newBuilder(), "").build();
  }

  private LinkEntityRequest multipart(Request request, byte[] body)
      throws ApiException, IOException {
    String boundary = MultiPart.extractBoundary(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
    if (boundary == null || boundary.isEmpty()) {
      throw new ApiException(ApiError.invalid("body", "is multipart/form-data without a "
          + "boundary in its Content-Type"));
    }
    MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
    parser.setMaxParts(4);
    parser.setMaxLength(body.length);
    // The body is in memory already: parts stay there, never in temporary files.
    parser.setMaxMemoryFileSize(body.length + 1L);
    parser.setUseFilesForPartsWithoutFileName(false);
    MultiPartFormData.Parts parts;
    try {
      parts = parser.parse(Content.Source.from(ByteBuffer.wrap(body))).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new ApiException(ApiError.invalid("body", "is not valid multipart/form-data: "
          + cause.getMessage()));
    }
    try (parts) {
      Mention.Builder mention = null;
      ByteString image = null;
      for (MultiPart.Part part : parts) {
        String name = part.getName();
        if (MENTION_PART.equals(name) && mention == null) {
          mention = json.parse(bytes(part), Mention.newBuilder(), MENTION_PART + ".");
        } else if (IMAGE_PART.equals(name) && image == null) {
          image = ByteString.copyFrom(bytes(part));
        } else {
          throw new ApiException(ApiError.invalid("body", name == null
              ? "has a part without a name; the parts are \"mention\" (JSON) and \"image\""
              : "has a part \"" + name + "\" " + (MENTION_PART.equals(name)
                  || IMAGE_PART.equals(name) ? "twice" : "that is neither \"mention\" (JSON) "
                  + "nor \"image\"")));
        }
      }
      if (mention == null) {
        throw new ApiException(ApiError.invalid(MENTION_PART, "is missing: a multipart request "
            + "needs a \"mention\" part holding the Mention as JSON"));
      }
      if (image != null && !image.isEmpty()) {
        if (!mention.getImage().isEmpty()) {
          throw new ApiException(ApiError.invalid("mention.image", "is given twice: in the "
              + "mention part and as the image part"));
        }
        mention.setImage(image);
      }
      return LinkEntityRequest.newBuilder().setMention(mention).build();
    }
  }

  /** The whole body, refused with 413 once it is past the limit. */
  byte[] read(Request request) throws ApiException, IOException {
    long declared = request.getLength();
    try (InputStream in = Request.asInputStream(request)) {
      if (declared > maxBytes) {
        discard(in, declared);
        throw tooLarge("is " + declared + " bytes, over");
      }
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8L, maxBytes + 1L));
      if (body.length > maxBytes) {
        discard(in, DISCARDED_AT_MOST);
        throw tooLarge("is over");
      }
      return body;
    }
  }

  /**
   * Reads and drops what is left of a refused body, so that a client that writes its whole
   * body before it reads (Java's HttpClient does) gets the 413 instead of a reset connection;
   * a body longer than that is cut off with the connection.
   */
  private static void discard(InputStream in, long declared) throws IOException {
    if (declared > DISCARDED_AT_MOST) {
      return;
    }
    long left = DISCARDED_AT_MOST;
    byte[] sink = new byte[64 << 10];
    int n;
    while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) {
      left -= n;
    }
  }

  private ApiException tooLarge(String size) {
    return new ApiException(ApiError.at(413, Code.RESOURCE_EXHAUSTED, "body", size
        + " the limit of " + maxBytes + " bytes (max_message_bytes)"));
  }

  private static byte[] bytes(MultiPart.Part part) throws IOException {
    ByteBuffer buffer = Content.Source.asByteBuffer(part.createContentSource());
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static String contentType(Request request) {
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    return type == null ? "" : type.trim().toLowerCase(java.util.Locale.ROOT);
  }

  private static boolean isJson(String type) {
    String media = type.split(";", 2)[0].trim();
    return media.equals("application/json") || media.endsWith("+json");
  }

  private static ApiException unsupported(String type, String wanted) {
    return new ApiException(ApiError.at(415, Code.INVALID_ARGUMENT, "Content-Type", "is "
        + type + "; this endpoint takes " + wanted));
  }
}
