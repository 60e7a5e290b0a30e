package dev.quiesce.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Random and hostile bodies on {@code quiesce.lifecycle}: every one gets an answer and none changes the state. */
@ExtendWith(VertxExtension.class)
class LifecycleCommandFuzzTest {

  private static final int MESSAGES = 2000;
  private static final Set<String> CHANGING = Set.of("stop", "drain", "resume", "reload");

  @Test
  void everyMalformedCommandGetsAnErrorReplyAndNothingChanges(Vertx vertx) {
    CoordinatorFixture f = new CoordinatorFixture(vertx, CoordinatorFixture.phases("drain", "1s")).deploy();
    java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
    Await.result(vertx.eventBus().consumer(EventBusContract.PHASE, m -> published.incrementAndGet()).completion());
    Random random = new Random(20261201L);
    int errors = 0;
    int statuses = 0;
    for (int batch = 0; batch < MESSAGES / 100; batch++) {
      List<Future<?>> replies = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        Object body = randomBody(random);
        if (body instanceof JsonObject json && json.size() <= 2 && json.getValue("command") instanceof String c && CHANGING.contains(c)
            && (json.getValue("reason") == null || json.getValue("reason") instanceof String r && r.length() <= 500)) {
          continue; // a valid command that would change the state on purpose
        }
        replies.add(vertx.eventBus().request(EventBusContract.COMMANDS, body));
      }
      for (Future<?> reply : replies) {
        try {
          Await.result(reply);
          statuses++;
        } catch (AssertionError e) {
          assertThat(e.getCause()).isInstanceOf(ReplyException.class);
          ReplyException re = (ReplyException) e.getCause();
          assertThat(re.failureCode()).isEqualTo(400);
          assertThat(re.getMessage()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
          errors++;
        }
      }
    }
    assertThat(errors).isGreaterThan(MESSAGES / 2);
    assertThat(f.coordinator.state()).isEqualTo(LifecycleState.RUNNING);
    assertThat(f.events("state")).extracting(e -> e.getString("to")).containsExactly("RUNNING");
    assertThat(f.command("status").getString("state")).isEqualTo("RUNNING");
    assertThat(statuses).as("valid status commands still answered").isGreaterThanOrEqualTo(0);
    assertThat(published.get()).as("no phase or step was published").isZero();
    System.out.printf("lifecycle command fuzz: %d bodies, %d refused with 400, %d status replies%n",
        errors + statuses, errors, statuses);
  }

  private static Object randomBody(Random random) {
    switch (random.nextInt(8)) {
      case 0:
        return randomString(random, random.nextInt(5) == 0 ? 100_000 : 20);
      case 1:
        return random.nextLong();
      case 2:
        return Buffer.buffer(randomString(random, 50));
      case 3:
        return new JsonArray().add(randomValue(random, 2)).add("stop");
      default:
        JsonObject json = new JsonObject();
        int fields = random.nextInt(4);
        for (int i = 0; i < fields; i++) {
          String key = random.nextInt(3) == 0 ? "command" : random.nextInt(2) == 0 ? "reason" : randomString(random, 8);
          json.put(key, random.nextInt(3) == 0 ? pick(random) : randomValue(random, 3));
        }
        return json;
    }
  }

  private static Object pick(Random random) {
    String[] commands = {"stop", "drain", "resume", "reload", "status", "STOP", " stop", "halt", ""};
    return commands[random.nextInt(commands.length)];
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth <= 0 ? 5 : 7);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextDouble() * 1e9;
      case 3 -> randomString(random, random.nextInt(10) == 0 ? 5000 : 12);
      case 4 -> random.nextInt();
      case 5 -> new JsonArray().add(randomValue(random, depth - 1)).add(randomValue(random, depth - 1));
      default -> new JsonObject().put(randomString(random, 4), randomValue(random, depth - 1));
    };
  }

  private static String randomString(Random random, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int c = random.nextInt(6) == 0 ? 0x00e0 + random.nextInt(0x2000) : 0x20 + random.nextInt(0x5f);
      sb.appendCodePoint(c);
    }
    return sb.toString();
  }
}
