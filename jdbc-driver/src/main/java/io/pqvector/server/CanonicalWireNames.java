package io.pqvector.server;

import java.io.IOException;
import org.apache.calcite.avatica.proto.Common.WireMessage;
import org.apache.calcite.avatica.proto.Responses;
import org.apache.calcite.avatica.remote.ProtobufTranslation;
import org.apache.calcite.avatica.remote.ProtobufTranslationImpl;
import org.apache.calcite.avatica.remote.Service;

/**
 * Avatica's protobuf messages name their payload's Java class on the wire
 * ({@code org.apache.calcite.avatica.proto.Requests$...}). In the driver jar those classes are
 * relocated, so without this the server would answer with names no other Avatica client (DBeaver's,
 * sqlline's) can parse, and would refuse theirs. Names are translated at the boundary: canonical
 * on the wire, this jar's own inside. Outside the jar both are the same and nothing changes.
 */
final class CanonicalWireNames implements ProtobufTranslation {
  /** Built from pieces so that the jar's relocation, which rewrites such strings, leaves it. */
  private static final String CANONICAL = String.join(".", "org", "apache", "calcite", "avatica",
      "proto") + ".";
  private static final String OURS = packageOf(Responses.class);

  private final ProtobufTranslation delegate = new ProtobufTranslationImpl();

  private static String packageOf(Class<?> c) {
    return c.getName().substring(0, c.getName().lastIndexOf('.') + 1);
  }

  @Override public byte[] serializeResponse(Service.Response response) throws IOException {
    return rename(delegate.serializeResponse(response), OURS, CANONICAL);
  }

  @Override public byte[] serializeRequest(Service.Request request) throws IOException {
    return rename(delegate.serializeRequest(request), OURS, CANONICAL);
  }

  @Override public Service.Request parseRequest(byte[] bytes) throws IOException {
    return delegate.parseRequest(rename(bytes, CANONICAL, OURS));
  }

  @Override public Service.Response parseResponse(byte[] bytes) throws IOException {
    return delegate.parseResponse(rename(bytes, CANONICAL, OURS));
  }

  private static byte[] rename(byte[] wire, String from, String to) throws IOException {
    if (from.equals(to)) {
      return wire;
    }
    WireMessage message = WireMessage.parseFrom(wire);
    String name = message.getName();
    if (!name.startsWith(from)) {
      return wire;
    }
    return message.toBuilder().setName(to + name.substring(from.length())).build().toByteArray();
  }
}
