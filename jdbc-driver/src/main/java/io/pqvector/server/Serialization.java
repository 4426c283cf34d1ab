package io.pqvector.server;

import java.util.Locale;

/** Avatica's two wire formats; the client's URL must name the server's. */
public enum Serialization {
  PROTOBUF, JSON;

  public String urlName() {
    return name().toLowerCase(Locale.ROOT);
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
