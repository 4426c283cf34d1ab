package io.pqvector.storage.s3;

import io.pqvector.storage.ObjectChangedException;
import io.pqvector.storage.ObjectStore;
import io.pqvector.storage.RequestAbort;
import io.pqvector.storage.RequestAbortedException;
import io.pqvector.storage.StoredObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
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
import software.amazon.awssdk.services.s3.model.UploadPartCopyResponse;

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

  // Writes: `index s3://...` (a new version of an object, its data copied server-side) and
  // `rewrite` into S3 (a local file uploaded).

  /** The smallest part of a multipart upload other than the last (S3's limit). */
  static final long MIN_PART = 5L << 20;
  /**
   * Bytes one UploadPartCopy copies (more for objects above 10,000 of them): far below S3's
   * 5 GiB cap, so that a copy, during which the store may send nothing, stays within the read
   * timeout.
   */
  static final long COPY_PART = 128L << 20;
  /** Lowers {@link #COPY_PART} (never below {@link #MIN_PART}), so tests can copy in several parts. */
  static final String COPY_PART_PROPERTY = "pqvector.s3.copyPartBytes";
  /** Local files above this are uploaded in parts of this size (the AWS CLI's defaults). */
  static final long UPLOAD_PART = 8L << 20;
  private static final String PARQUET_TYPE = "application/vnd.apache.parquet";
  /** A server-side copy of a part, or the completion of many, may take longer than a read. */
  private static final java.util.function.Consumer<AwsRequestOverrideConfiguration.Builder> LONG_WRITE =
      c -> c.apiCallAttemptTimeout(java.time.Duration.ofMinutes(5)).apiCallTimeout(java.time.Duration.ofMinutes(15));

  /**
   * The new version is assembled by the store: a multipart upload whose first parts copy
   * {@code [0, keep)} of {@code version} server-side (UploadPartCopy with
   * {@code x-amz-copy-source-if-match}) and whose last part is {@code tail}, so the data pages
   * are not downloaded. When {@code keep} is below a part's minimum, the object is rewritten
   * whole (its first {@code keep} bytes read, then one PutObject). Either way the write is
   * conditional on the ETag that was read: a HEAD right before completing, and {@code If-Match}
   * on CompleteMultipartUpload / PutObject for stores that honour it (AWS S3 since 2024). Any
   * failure aborts the upload. Content type, cache and encoding headers and user metadata are
   * carried over.
   */
  @Override
  public StoredObject replaceTail(StoredObject version, long keep, List<byte[]> tail) throws IOException {
    String key = version.key();
    String object = name() + "/" + key;
    if (keep < 0 || keep > version.length()) {
      throw new IllegalArgumentException(object + ": cannot keep " + keep + " of " + version.length() + " bytes");
    }
    long length = keep;
    for (byte[] piece : tail) {
      length += piece.length;
    }
    String etag = "\"" + version.tag() + "\"";
    HeadObjectResponse head = checkUnchanged(version, object);
    if (keep < MIN_PART) {
      ByteBuffer kept = ByteBuffer.allocate((int) keep);
      read(version, 0, kept);
      List<byte[]> whole = new ArrayList<>();
      whole.add(kept.array());
      whole.addAll(tail);
      checkUnchanged(version, object);
      try {
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).ifMatch(etag)
            .contentType(head.contentType()).cacheControl(head.cacheControl())
            .contentDisposition(head.contentDisposition()).contentEncoding(head.contentEncoding())
            .contentLanguage(head.contentLanguage()).metadata(head.metadata());
        String newTag = client.putObject(put.build(), body(whole, length)).eTag();
        return new StoredObject(key, length, unquote(newTag), System.currentTimeMillis());
      } catch (SdkException e) {
        StoredObject landed = landed(version, keep, tail, length); // an answer lost, as below
        if (landed != null) {
          return landed;
        }
        throw translateReplace(e, object);
      }
    }
    String uploadId;
    try {
      uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key)
          .contentType(head.contentType()).cacheControl(head.cacheControl())
          .contentDisposition(head.contentDisposition()).contentEncoding(head.contentEncoding())
          .contentLanguage(head.contentLanguage()).metadata(head.metadata())).uploadId();
    } catch (SdkException e) {
      throw translate(e, object, "writing");
    }
    try {
      List<CompletedPart> parts = new ArrayList<>();
      // Parts of copyPart bytes, the last copy taking the rest (at least copyPart too), so no
      // part but the tail is below S3's minimum; S3 allows 10,000 parts.
      long copyPart = Math.max(Math.max(MIN_PART, Long.getLong(COPY_PART_PROPERTY, COPY_PART)),
          (keep + 9_998) / 9_999);
      int copies = (int) Math.max(1, keep / copyPart);
      for (int i = 0; i < copies; i++) {
        long from = i * copyPart;
        long to = (i == copies - 1 ? keep : from + copyPart) - 1;
        int part = i + 1;
        UploadPartCopyResponse copied = client.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(key)
            .destinationBucket(bucket).destinationKey(key).uploadId(uploadId).partNumber(part)
            .copySourceRange("bytes=" + from + "-" + to).copySourceIfMatch(etag)
            .overrideConfiguration(LONG_WRITE));
        parts.add(CompletedPart.builder().partNumber(part).eTag(copied.copyPartResult().eTag()).build());
      }
      int last = copies + 1;
      String tailTag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(last),
          body(tail, length - keep)).eTag();
      parts.add(CompletedPart.builder().partNumber(last).eTag(tailTag).build());
      checkUnchanged(version, object);
      CompleteMultipartUploadResponse done;
      try {
        done = client.completeMultipartUpload(
            CompleteMultipartUploadRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)).ifMatch(etag).overrideConfiguration(LONG_WRITE).build());
      } catch (SdkException e) {
        // A completion whose response was lost is retried by the SDK and then refused (the upload
        // is gone, or the object no longer has the old ETag): the object may be ours already.
        StoredObject landed = landed(version, keep, tail, length);
        if (landed != null) {
          return landed;
        }
        throw e;
      }
      return new StoredObject(key, length, unquote(done.eTag()), System.currentTimeMillis());
    } catch (SdkException e) {
      IOException failure = translateReplace(e, object);
      abort(key, uploadId, failure);
      throw failure;
    } catch (IOException | RuntimeException | Error e) {
      abort(key, uploadId, e);
      throw e;
    }
  }

  /** 412 (If-Match, copy-source-if-match) and 409 (a concurrent write, AWS) mean the object changed. */
  private static IOException translateReplace(SdkException e, String object) {
    if (e instanceof S3Exception s3 && s3.statusCode() == 409) {
      return new ObjectChangedException(object);
    }
    return translate(e, object, "writing");
  }

  /**
   * A PutObject up to {@link #UPLOAD_PART} bytes, else a multipart upload in parts of that size (more
   * for files above 10,000 parts). Without {@code replace}: refused if the object exists, checked
   * by a HEAD first and again before completing, and by {@code If-None-Match: *} for stores that
   * honour it.
   */
  @Override
  public StoredObject upload(Path file, String key, boolean replace) throws IOException {
    String object = name() + "/" + key;
    if (!replace) {
      checkAbsent(key, object);
    }
    long size = Files.size(file);
    try {
      if (size <= UPLOAD_PART) {
        PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key).contentType(PARQUET_TYPE);
        if (!replace) {
          put.ifNoneMatch("*");
        }
        String tag = client.putObject(put.build(), RequestBody.fromFile(file)).eTag();
        return new StoredObject(key, size, unquote(tag), System.currentTimeMillis());
      }
    } catch (SdkException e) {
      throw translateUpload(e, object, replace);
    }
    String uploadId;
    try {
      uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(PARQUET_TYPE)).uploadId();
    } catch (SdkException e) {
      throw translate(e, object, "writing");
    }
    try {
      long partSize = Math.max(UPLOAD_PART, (size + 9_999) / 10_000);
      List<CompletedPart> parts = new ArrayList<>();
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        for (long from = 0; from < size; from += partSize) {
          ByteBuffer slice = ByteBuffer.allocate((int) Math.min(partSize, size - from));
          while (slice.hasRemaining()) {
            if (channel.read(slice, from + slice.position()) < 0) {
              throw new IOException(file + " became shorter while it was being uploaded");
            }
          }
          int part = parts.size() + 1;
          String tag = client.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(part),
              RequestBody.fromByteBuffer(slice.flip())).eTag();
          parts.add(CompletedPart.builder().partNumber(part).eTag(tag).build());
        }
      }
      CompleteMultipartUploadRequest.Builder complete = CompleteMultipartUploadRequest.builder()
          .bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
      if (!replace) {
        checkAbsent(key, object);
        complete.ifNoneMatch("*");
      }
      String tag = client.completeMultipartUpload(complete.build()).eTag();
      return new StoredObject(key, size, unquote(tag), System.currentTimeMillis());
    } catch (SdkException e) {
      IOException failure = translateUpload(e, object, replace);
      abort(key, uploadId, failure);
      throw failure;
    } catch (IOException | RuntimeException | Error e) {
      abort(key, uploadId, e);
      throw e;
    }
  }

  /**
   * The object's current version if it is the one this write meant to make (another version of
   * the new length whose bytes from {@code keep} on are {@code tail}: payload and footer, which
   * name the data they index); else null.
   */
  private StoredObject landed(StoredObject version, long keep, List<byte[]> tail, long length) {
    try {
      StoredObject now = stat(version.key());
      if (now.length() != length || now.tag().equals(version.tag())) {
        return null;
      }
      ByteBuffer got = ByteBuffer.allocate(Math.toIntExact(length - keep));
      read(now, keep, got);
      got.flip();
      for (byte[] piece : tail) {
        if (!got.slice().limit(piece.length).equals(ByteBuffer.wrap(piece))) {
          return null;
        }
        got.position(got.position() + piece.length);
      }
      return now;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The object's current metadata, if it still is {@code version}. */
  private HeadObjectResponse checkUnchanged(StoredObject version, String object) throws IOException {
    HeadObjectResponse head;
    try {
      head = client.headObject(b -> b.bucket(bucket).key(version.key()));
    } catch (SdkException e) {
      IOException failure = translate(e, object, "reading");
      if (failure instanceof NoSuchFileException) {
        throw new ObjectChangedException(object); // deleted since it was read
      }
      throw failure;
    }
    if (!unquote(head.eTag()).equals(version.tag())) {
      throw new ObjectChangedException(object);
    }
    return head;
  }

  private void checkAbsent(String key, String object) throws IOException {
    try {
      client.headObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      IOException failure = translate(e, object, "reading");
      if (failure instanceof NoSuchFileException && !failure.getMessage().contains("no such bucket")) {
        return;
      }
      throw failure;
    }
    throw new FileAlreadyExistsException(object, null, "already exists");
  }

  /** 412 (If-None-Match) and 409 (a concurrent conditional write) mean someone else wrote the key. */
  private static IOException translateUpload(SdkException e, String object, boolean replace) {
    if (!replace && e instanceof S3Exception s3 && (s3.statusCode() == 412 || s3.statusCode() == 409)) {
      return new FileAlreadyExistsException(object, null, "was created by another writer meanwhile");
    }
    return translate(e, object, "writing");
  }

  /** Aborts an upload after a failure; a failed abort is added to the failure, not thrown. */
  private void abort(String key, String uploadId, Throwable failure) {
    try {
      client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      failure.addSuppressed(e);
    }
  }

  /** Byte arrays as one request body that can be sent again on a retry. */
  private static RequestBody body(List<byte[]> pieces, long length) {
    return RequestBody.fromContentProvider(() -> {
      List<InputStream> streams = new ArrayList<>();
      for (byte[] p : pieces) {
        streams.add(new ByteArrayInputStream(p));
      }
      return new SequenceInputStream(Collections.enumeration(streams));
    }, length, "application/octet-stream");
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
