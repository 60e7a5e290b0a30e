package dev.quiesce.process;

import dev.quiesce.lifecycle.EventBusContract;
import dev.quiesce.testing.Await;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A JVM of its own that runs a process manager, for the tests that kill a JVM: prints
 * {@code PIDS <pid> <pid>… GUARDIAN <pid>} once every instance runs, then waits to be killed.
 *
 * <p>Arguments: the configuration file, the state directory, and {@code true}/{@code false} for the guardian.
 */
public final class SupervisorMain {

  private SupervisorMain() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject config = new JsonObject(Files.readString(Path.of(args[0])));
    ProcessManagerOptions options = new ProcessManagerOptions().setStateDir(Path.of(args[1]))
        .setLifecycleParticipant(false).setGuardian(Boolean.parseBoolean(args[2]));
    Vertx vertx = Vertx.vertx();
    ProcessManagerVerticle verticle = new ProcessManagerVerticle(options);
    Await.result(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)), Duration.ofSeconds(30));
    StringBuilder pids = new StringBuilder("PIDS");
    JsonObject list = Await.result(vertx.eventBus().<JsonObject>request(EventBusContract.PROCESS_COMMANDS,
        new JsonObject().put("command", "list")), Duration.ofSeconds(10)).body();
    for (Object g : list.getJsonArray("groups")) {
      for (Object i : ((JsonObject) g).getJsonArray("instances", new JsonArray())) {
        pids.append(' ').append(((JsonObject) i).getInteger("pid"));
      }
    }
    System.out.println(pids + " GUARDIAN " + verticle.guardianPid());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
