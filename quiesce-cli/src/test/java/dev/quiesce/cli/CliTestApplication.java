package dev.quiesce.cli;

import dev.quiesce.launcher.QuiesceLauncher;
import dev.quiesce.launcher.TestApplication;
import dev.quiesce.web.QuiesceWeb;

/**
 * The application the CLI's tests talk to, as its own JVM: framework-web's management listener and
 * framework-core's {@link TestApplication} (a {@code drain} participant steered by {@code testApp}).
 */
public final class CliTestApplication {

  private CliTestApplication() {
  }

  public static void main(String[] args) {
    QuiesceLauncher.launch(args, ctx -> QuiesceWeb.deployManagement(ctx).compose(id -> ctx.deploy(TestApplication::new)));
  }
}
