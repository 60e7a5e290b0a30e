package com.example.hello;

import dev.quiesce.launcher.QuiesceLauncher;
import dev.quiesce.web.QuiesceWeb;

/**
 * hello-quiesce: an HTTP server ({@code GET /hello}) and one participant ({@code greetings}) that
 * drains, launched, stopped and reloaded by Quiesce.
 *
 * <pre>
 * java -jar target/hello-quiesce.jar --config conf/config.json
 * </pre>
 */
public final class HelloQuiesce {

  private HelloQuiesce() {
  }

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> ctx.deploy(Greetings::new)
        .compose(greetings -> QuiesceWeb.deploy(ctx, Greetings::router)));
  }
}
