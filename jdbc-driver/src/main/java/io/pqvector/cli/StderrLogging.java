package io.pqvector.cli;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The command line's SLF4J provider: warnings and errors go to stderr as one line each, the rest is
 * dropped. The driver jar ships no provider (a host's own logging receives the driver's logs); the
 * CLI names this one in {@code slf4j.provider}, so it never appears in service files.
 */
public final class StderrLogging implements SLF4JServiceProvider {
  private final ILoggerFactory loggers = name -> new StderrLogger(name);
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();

  @Override public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override public void initialize() {
  }

  /** One line per warning or error: {@code pqvector: <message>}. */
  static final class StderrLogger extends LegacyAbstractLogger implements Logger {
    private static final long serialVersionUID = 1L;

    StderrLogger(String name) {
      this.name = name;
    }

    @Override public boolean isTraceEnabled() {
      return false;
    }

    @Override public boolean isDebugEnabled() {
      return false;
    }

    @Override public boolean isInfoEnabled() {
      return false;
    }

    @Override public boolean isWarnEnabled() {
      return true;
    }

    @Override public boolean isErrorEnabled() {
      return true;
    }

    @Override protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override protected void handleNormalizedLoggingCall(Level level, Marker marker, String message,
        Object[] arguments, Throwable throwable) {
      String text = MessageFormatter.basicArrayFormat(message, arguments);
      System.err.println("pqvector: " + (level == Level.ERROR ? "error: " : "warning: ") + text
          + (throwable == null ? "" : " (" + throwable + ")"));
    }
  }
}
