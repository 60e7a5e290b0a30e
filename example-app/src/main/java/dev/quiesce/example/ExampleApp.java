package dev.quiesce.example;

import dev.quiesce.launcher.QuiesceLauncher;

/** The example application: {@code java -jar example-app/target/example-app.jar --config example-app/conf/config.json}. */
public final class ExampleApp {

  private ExampleApp() {
  }

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> ctx.deploy(HelloVerticle::new));
  }
}
