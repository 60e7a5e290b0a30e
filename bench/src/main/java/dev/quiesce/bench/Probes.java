package dev.quiesce.bench;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import io.vertx.ext.web.Router;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Diagnostic variants of the bare server for the overhead benchmark ({@code --variants
 * probe-…}): each adds to bare Vert.x one of the mechanisms the framework's request tracking
 * (framework-web's {@code RequestTracker}) used per request before fix 1 of docs/BENCHMARKS.md,
 * copied in shape, so that its cost can be measured on its own. They reproduce the profile of the
 * first runs; the tracker now has no route, wraps only upgrade requests and counts with a
 * {@code LongAdder}.
 *
 * <ul>
 *   <li>{@code route-empty}: one more route, first of all, that only calls {@code next()};</li>
 *   <li>{@code route}: that route doing what the tracker's does: {@code ctx.put},
 *       {@code addHeadersEndHandler}, {@code addEndHandler}, then {@code next()};</li>
 *   <li>{@code wrap}: the request handed to the router wrapped in an {@code HttpServerRequestWrapper};</li>
 *   <li>{@code handlers}: per request, an entry in an identity map of in-flight requests, a shared
 *       atomic counter up and down, and the response's end, close and headers-end handlers set.</li>
 * </ul>
 *
 * <p>Variants of the overhead benchmark: {@code probe-all} is {@code route,wrap,handlers} (the
 * tracker's mechanisms together); {@code probe-noroute} is {@code wrap,handlers} (the tracker
 * without its route: the fix proposed in docs/BENCHMARKS.md).
 */
final class Probes {

  private final Set<String> probes;
  private final Map<HttpServerResponse, Object> inFlight = new IdentityHashMap<>();
  private static final AtomicLong SHARED = new AtomicLong();

  Probes(Set<String> probes) {
    this.probes = probes;
  }

  void install(Router router) {
    if (probes.contains("route-empty")) {
      router.route().order(Integer.MIN_VALUE).handler(ctx -> ctx.next());
    }
    if (probes.contains("route")) {
      router.route().order(Integer.MIN_VALUE).handler(ctx -> {
        HttpServerResponse response = ctx.response();
        ctx.put("bench.tracked", response);
        ctx.addHeadersEndHandler(v -> noop(response));
        // vertx-web now owns the response's end handler: end the in-flight entry from here too
        ctx.addEndHandler(ar -> finish(response));
        ctx.next();
      });
    }
  }

  Handler<HttpServerRequest> handler(Router router) {
    boolean wrap = probes.contains("wrap");
    boolean handlers = probes.contains("handlers");
    return raw -> {
      if (handlers) {
        HttpServerResponse response = raw.response();
        Object t = new Object();
        inFlight.put(response, t);
        SHARED.incrementAndGet();
        Handler<Void> done = v -> finish(response);
        response.endHandler(done);
        response.closeHandler(done);
        response.headersEndHandler(v -> noop(t));
      }
      HttpServerRequest request = wrap && raw instanceof HttpServerRequestInternal internal
          ? new Wrapped(internal) : raw;
      router.handle(request);
    };
  }

  private void finish(HttpServerResponse response) {
    if (inFlight.remove(response) != null) {
      SHARED.decrementAndGet();
    }
  }

  private static void noop(Object o) {
    if (o == null) {
      throw new IllegalStateException();
    }
  }

  /** A request wrapper like the tracker's (it overrides one method). */
  static final class Wrapped extends HttpServerRequestWrapper {
    Wrapped(HttpServerRequestInternal delegate) {
      super(delegate);
    }
  }
}
