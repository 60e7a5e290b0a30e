package dev.quiesce.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.Await;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class HaltHooksTest {

  @Test
  void twoVertxInstancesInOneJvmNeverRunEachOthersHooks() {
    Vertx first = Vertx.vertx();
    Vertx second = Vertx.vertx();
    try {
      List<String> ran = new CopyOnWriteArrayList<>();
      HaltHooks.of(first).add(() -> ran.add("first"));
      Runnable secondHook = HaltHooks.of(second).add(() -> ran.add("second"));

      HaltHooks.of(first).runAll();
      assertThat(ran).containsExactly("first");

      HaltHooks.of(second).runAll();
      assertThat(ran).containsExactly("first", "second");

      HaltHooks.of(second).remove(secondHook);
      HaltHooks.of(second).runAll();
      assertThat(ran).containsExactly("first", "second");
    } finally {
      Await.result(first.close());
      Await.result(second.close());
    }
  }

  @Test
  void aFailingHookDoesNotKeepTheNextFromRunning() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> ran = new CopyOnWriteArrayList<>();
      HaltHooks.of(vertx).add(() -> {
        throw new IllegalStateException("broken hook");
      });
      HaltHooks.of(vertx).add(() -> ran.add("next"));

      HaltHooks.of(vertx).runAll();

      assertThat(ran).containsExactly("next");
    } finally {
      Await.result(vertx.close());
    }
  }
}
