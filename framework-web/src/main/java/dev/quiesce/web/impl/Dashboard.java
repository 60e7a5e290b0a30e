package dev.quiesce.web.impl;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The management listener's dashboard: {@code GET /} and its script and style sheet, three files
 * of the jar ({@code dev/quiesce/web/dashboard/}) read once and served from memory. The page reads
 * {@code /lifecycle/status} and {@code /lifecycle/events} like any client and sends commands only
 * with a token typed into it; it stores nothing.
 */
final class Dashboard {

  private static final String ROOT = "dev/quiesce/web/dashboard/";
  /** Only the page's own files; no inline script, no other origin. */
  private static final String POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none';"
      + " base-uri 'none'; form-action 'none'";

  private record File(String contentType, Buffer bytes) {
  }

  private final Map<String, File> files = Map.of(
      "/", read("index.html", "text/html; charset=utf-8"),
      "/dashboard.js", read("dashboard.js", "text/javascript; charset=utf-8"),
      "/dashboard.css", read("dashboard.css", "text/css; charset=utf-8"));

  /** Adds a {@code GET} route (405 for other methods, through {@code endpoint}) for each file. */
  void routes(Router router, RouteAdder endpoint) {
    files.forEach((path, file) -> endpoint.add(router, path, Map.of(HttpMethod.GET, ctx -> send(ctx, file))));
  }

  /** {@code ManagementService}'s way of adding one path with its methods. */
  @FunctionalInterface
  interface RouteAdder {
    void add(Router router, String path, Map<HttpMethod, Handler<RoutingContext>> methods);
  }

  private static void send(RoutingContext ctx, File file) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, file.contentType())
        .putHeader("Content-Security-Policy", POLICY).putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Content-Type-Options", "nosniff")
        .end(file.bytes());
  }

  private static File read(String name, String contentType) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard file " + ROOT + name + " is missing from the class path");
      }
      return new File(contentType, Buffer.buffer(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException("the dashboard file " + ROOT + name + " could not be read", e);
    }
  }
}
