package io.pqvector.storage.s3;

import io.pqvector.storage.RequestAbort;
import java.io.IOException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;

/**
 * The SDK's HTTP client with each request registered as the calling thread's {@link RequestAbort}:
 * a cancelled query closes the connection of its request in flight (the SDK's sync client makes
 * the request on the caller's thread and offers no other way in), and an aborted read is not retried.
 */
final class AbortableHttpClient implements SdkHttpClient {
  private final SdkHttpClient delegate;

  AbortableHttpClient(SdkHttpClient delegate) {
    this.delegate = delegate;
  }

  @Override
  public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
    ExecutableHttpRequest prepared = delegate.prepareRequest(request);
    return new ExecutableHttpRequest() {
      @Override
      public HttpExecuteResponse call() throws IOException {
        if (RequestAbort.aborted()) {
          throw AbortedException.create("the query was cancelled");
        }
        RequestAbort.onAbort(prepared::abort);
        return prepared.call();
      }

      @Override
      public void abort() {
        prepared.abort();
      }
    };
  }

  @Override
  public String clientName() {
    return delegate.clientName();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
