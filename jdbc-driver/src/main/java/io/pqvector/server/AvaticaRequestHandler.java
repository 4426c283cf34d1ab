package io.pqvector.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.calcite.avatica.AvaticaSeverity;
import org.apache.calcite.avatica.metrics.noop.NoopMetricsSystem;
import org.apache.calcite.avatica.remote.AvaticaRuntimeException;
import org.apache.calcite.avatica.remote.Handler.HandlerResponse;
import org.apache.calcite.avatica.remote.JsonHandler;
import org.apache.calcite.avatica.remote.ProtobufHandler;
import org.apache.calcite.avatica.remote.Service;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.AbstractHandler;

/**
 * One HTTP endpoint speaking Avatica's protocol, answering each request in the serialization it
 * came in (protobuf or JSON, told apart by the first byte), with what Avatica's own
 * handlers leave out: a bound on the request size (checked while reading, so a body without a
 * length cannot fill the heap), BASIC authentication against a {@link UsersFile}, and refusals
 * the client can read (an Avatica error response with a message and SQLState, not a bare HTTP
 * status, whenever the client would otherwise only see the status).
 */
final class AvaticaRequestHandler extends AbstractHandler {
  /** The serialization the printed URL names; the answer to a request with no body. */
  private final Serialization serialization;
  /** The serialization of the request the current thread handles. */
  private static final ThreadLocal<Serialization> REQUEST = new ThreadLocal<>();
  private final ProtobufHandler protobuf;
  private final JsonHandler json;
  private final BasicAuthenticator auth;
  private final long maxRequestBytes;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final DisconnectWatch disconnects = new DisconnectWatch(200);
  private volatile java.util.function.Supplier<String> status;
  private volatile boolean stopping;

  AvaticaRequestHandler(Service service, Serialization serialization, BasicAuthenticator auth,
      long maxRequestBytes) {
    this.serialization = serialization;
    this.protobuf = new ProtobufHandler(service, new CanonicalWireNames(),
        NoopMetricsSystem.getInstance());
    this.json = new JsonHandler(service, NoopMetricsSystem.getInstance());
    this.auth = auth;
    this.maxRequestBytes = maxRequestBytes;
  }

  void setRpcMetadata(Service.RpcMetadataResponse metadata) {
    protobuf.setRpcMetadata(metadata);
    json.setRpcMetadata(metadata);
  }

  /** The serialization of the request being handled on this thread, or null. */
  static Serialization requestSerialization() {
    return REQUEST.get();
  }

  void stopAccepting() {
    stopping = true;
  }

  int inFlight() {
    return inFlight.get();
  }

  /** Queries cancelled because their client went away. */
  long cancelledForDisconnect() {
    return disconnects.cancelled();
  }

  /** What {@code GET /status} answers (JSON). */
  void setStatus(java.util.function.Supplier<String> status) {
    this.status = status;
  }

  void close() {
    disconnects.close();
  }

  @Override public void handle(String target, Request baseRequest, HttpServletRequest request,
      HttpServletResponse response) throws IOException {
    baseRequest.setHandled(true);
    if ("GET".equals(request.getMethod()) && "/status".equals(target) && status != null) {
      if (auth != null) {
        BasicAuthenticator.Result r = auth.authenticate(request.getHeader("Authorization"),
            request.getRemoteAddr());
        if (!r.ok()) {
          response.setHeader("WWW-Authenticate", "Basic realm=\"pqvector\", charset=\"UTF-8\"");
          response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
          response.setContentType("text/plain;charset=utf-8");
          response.getOutputStream().write(r.error().getBytes(StandardCharsets.UTF_8));
          return;
        }
      }
      response.setContentType("application/json;charset=utf-8");
      response.getOutputStream().write(status.get().getBytes(StandardCharsets.UTF_8));
      return;
    }
    if (!"POST".equals(request.getMethod())) {
      response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
      response.setContentType("text/plain;charset=utf-8");
      response.getOutputStream().write(("This is a pqvector server speaking Avatica's"
          + " protocol (protobuf or JSON). Connect with a JDBC client: "
          + "jdbc:avatica:remote:url=<this address>;serialization=" + serialization.urlName()
          + "\n").getBytes(StandardCharsets.UTF_8));
      return;
    }
    inFlight.incrementAndGet();
    InputStream in = new BufferedInputStream(request.getInputStream(), 8192);
    in.mark(1);
    Serialization format = Serialization.ofFirstByte(in.read(), serialization);
    in.reset();
    try {
      if (auth != null) {
        BasicAuthenticator.Result r = auth.authenticate(request.getHeader("Authorization"),
            request.getRemoteAddr());
        if (r.challenge()) {
          response.setHeader("WWW-Authenticate", "Basic realm=\"pqvector\", charset=\"UTF-8\"");
          response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
          response.setContentType("text/plain;charset=utf-8");
          response.getOutputStream().write(r.error().getBytes(StandardCharsets.UTF_8));
          return;
        }
        if (!r.ok()) {
          refuse(response, format, r.error(), "28000");
          return;
        }
      }
      if (stopping) {
        refuse(response, format, "pqvector server is shutting down", "08006");
        return;
      }
      byte[] body = readBounded(request, in);
      if (body == null) {
        refuse(response, format, "request body larger than the server's limit of " + maxRequestBytes
            + " bytes (--max-request-bytes)", "54000");
        return;
      }
      // The answer is made while the client's socket is watched, and written after.
      DisconnectWatch.Watched watch = disconnects.begin(baseRequest.getHttpChannel()
          .getEndPoint());
      HandlerResponse<byte[]> binary = null;
      HandlerResponse<String> text = null;
      REQUEST.set(format);
      try {
        if (format == Serialization.PROTOBUF) {
          binary = protobuf.apply(body);
        } else {
          text = json.apply(new String(body, StandardCharsets.UTF_8));
        }
      } finally {
        REQUEST.remove();
        disconnects.end(watch);
      }
      if (binary != null) {
        write(response, binary);
      } else {
        response.setContentType("application/json;charset=utf-8");
        response.setStatus(text.getStatusCode());
        response.getOutputStream().write(text.getResponse().getBytes(StandardCharsets.UTF_8));
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private byte[] readBounded(HttpServletRequest request, InputStream body) throws IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxRequestBytes) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(
        (int) Math.max(declared > 0 ? declared : 0, 256));
    byte[] buf = new byte[8192];
    try (InputStream in = body) {
      int n;
      while ((n = in.read(buf)) > 0) {
        if (out.size() + (long) n > maxRequestBytes) {
          return null;
        }
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  /** Answers with an Avatica error response, which clients turn into an SQLException. */
  private void refuse(HttpServletResponse response, Serialization format, String message,
      String sqlState) throws IOException {
    AvaticaRuntimeException e = new AvaticaRuntimeException(message, -1, sqlState,
        AvaticaSeverity.ERROR);
    if (format == Serialization.PROTOBUF) {
      write(response, protobuf.convertToErrorResponse(e));
    } else {
      HandlerResponse<String> r = json.convertToErrorResponse(e);
      response.setContentType("application/json;charset=utf-8");
      response.setStatus(r.getStatusCode());
      response.getOutputStream().write(r.getResponse().getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void write(HttpServletResponse response, HandlerResponse<byte[]> r)
      throws IOException {
    response.setContentType("application/octet-stream;charset=utf-8");
    response.setStatus(r.getStatusCode());
    response.getOutputStream().write(r.getResponse());
  }
}
