package io.pqvector.storage.s3;

import io.pqvector.storage.ObjectChangedException;
import io.pqvector.storage.ObjectStore;
import io.pqvector.storage.RequestAbort;
import io.pqvector.storage.RequestAbortedException;
import io.pqvector.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One bucket of S3 or an S3-compatible store. Objects are versioned by ETag: every ranged GET asks
 * for the listed ETag ({@code If-Match}), so bytes of a replaced object never pass for the old one.
 * Throttling and 5xx responses are retried with backoff by the SDK's standard retry policy.
 */
public final class S3ObjectStore implements ObjectStore {
  private final S3Client client;
  private final String bucket;

  public S3ObjectStore(S3Client client, String bucket) {
    this.client = client;
    this.bucket = bucket;
  }

  @Override
  public String name() {
    return "s3://" + bucket;
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    List<StoredObject> result = new ArrayList<>();
    String token = null;
    try {
      do {
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
        if (token != null) {
          request.continuationToken(token);
        }
        ListObjectsV2Response page = client.listObjectsV2(request.build());
        for (S3Object o : page.contents()) {
          if (!o.key().endsWith("/")) { // folder markers some tools create
            result.add(new StoredObject(o.key(), o.size(), unquote(o.eTag()),
                o.lastModified() == null ? 0 : o.lastModified().toEpochMilli()));
          }
        }
        token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
      } while (token != null);
    } catch (SdkException e) {
      throw translate(e, name() + "/" + prefix, "listing");
    }
    return result;
  }

  @Override
  public StoredObject stat(String key) throws IOException {
    try {
      HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(key));
      return new StoredObject(key, head.contentLength(), unquote(head.eTag()),
          head.lastModified() == null ? 0 : head.lastModified().toEpochMilli());
    } catch (SdkException e) {
      throw translate(e, name() + "/" + key, "reading");
    }
  }

  @Override
  public void read(StoredObject version, long offset, ByteBuffer dst) throws IOException {
    int n = dst.remaining();
    String object = name() + "/" + version.key();
    GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(version.key())
        .range("bytes=" + offset + "-" + (offset + n - 1))
        .ifMatch("\"" + version.tag() + "\"")
        .build();
    int start = dst.position();
    for (int attempt = 1; ; attempt++) {
      try (ResponseInputStream<GetObjectResponse> in = client.getObject(request)) {
        RequestAbort.onAbort(in::abort);
        readFully(in, dst, object, offset);
        return;
      } catch (SdkException e) {
        throw translate(e, object, "reading");
      } catch (IOException e) {
        // The body broke off (connection reset, cut short): the SDK retries only up to the
        // response headers, so ask again here; what was read is dropped, never passed on.
        if (RequestAbort.aborted()) {
          throw new RequestAbortedException(object);
        }
        if (attempt == BODY_ATTEMPTS) {
          throw new IOException(object + ": reading failed after " + attempt + " attempts: " + e.getMessage(), e);
        }
        dst.position(start);
      }
    }
  }

  /** Attempts at reading a ranged GET's body. */
  private static final int BODY_ATTEMPTS = 3;

  private static void readFully(InputStream in, ByteBuffer dst, String object, long offset) throws IOException {
    byte[] chunk = new byte[(int) Math.min(dst.remaining(), 64 * 1024)];
    while (dst.hasRemaining()) {
      int n = in.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
      if (n < 0) {
        throw new IOException(object + ": the response ended " + dst.remaining()
            + " bytes short reading from offset " + offset);
      }
      dst.put(chunk, 0, n);
    }
  }

  /** The exception a file system would give, naming the object. */
  static IOException translate(SdkException e, String object, String doing) {
    if (e instanceof S3Exception s3) {
      int status = s3.statusCode();
      String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
      String detail = "HTTP " + status + (code == null ? "" : " " + code);
      if (status == 404) {
        return new NoSuchFileException(object, null,
            "NoSuchBucket".equals(code) ? "no such bucket (" + detail + ")" : "no such object (" + detail + ")");
      }
      if (status == 403 || status == 401) {
        return new AccessDeniedException(object, null, "access denied " + doing + " it (" + detail
            + "); check the credentials and the bucket policy");
      }
      if (status == 412) {
        return new ObjectChangedException(object);
      }
      return new IOException(object + ": " + doing + " failed (" + detail + "): " + s3.getMessage(), e);
    }
    if (RequestAbort.aborted()) {
      return new RequestAbortedException(object);
    }
    if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
      InterruptedIOException interrupted = new InterruptedIOException(object + ": " + doing + " was interrupted");
      interrupted.initCause(e);
      return interrupted;
    }
    if (e instanceof SdkClientException) {
      return new IOException(object + ": " + doing + " failed: " + e.getMessage(), e);
    }
    return new IOException(object + ": " + e.getMessage(), e);
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return "";
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
        ? etag.substring(1, etag.length() - 1) : etag;
  }

  @Override
  public void close() {
    client.close();
  }
}
