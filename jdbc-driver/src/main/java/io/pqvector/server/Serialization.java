package io.pqvector.server;

import java.util.Locale;

/**
 * Avatica's two wire formats. The server answers each request in the format it came in, so a
 * client may name either in its URL; the server's own choice is the one its printed URL names.
 */
public enum Serialization {
  PROTOBUF, JSON;

  public String urlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The format of a request, from its first byte: Avatica's JSON requests are objects, its
   * protobuf requests a WireMessage (whose first byte is a field tag, never '{').
   */
  static Serialization ofFirstByte(int first, Serialization otherwise) {
    return first < 0 ? otherwise : first == '{' ? JSON : PROTOBUF;
  }

  public static Serialization parse(String text) {
    for (Serialization s : values()) {
      if (s.urlName().equalsIgnoreCase(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("serialization must be protobuf or json but is '" + text
        + "'");
  }
}
