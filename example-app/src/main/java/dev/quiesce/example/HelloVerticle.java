package dev.quiesce.example;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/** A placeholder HTTP hello until the example runs on framework-web: {@code GET /hello}. */
public final class HelloVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    JsonObject http = config().getJsonObject("example", new JsonObject());
    return vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("content-type", "text/plain").end("hello\n"))
        .listen(http.getInteger("port", 8080), http.getString("host", "127.0.0.1"));
  }
}
