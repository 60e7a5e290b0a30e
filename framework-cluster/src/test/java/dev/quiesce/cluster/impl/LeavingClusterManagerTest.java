package dev.quiesce.cluster.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.cluster.InJvmNodes;
import dev.quiesce.testing.Await;
import io.vertx.core.AsyncResult;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The withdrawal against a real Hazelcast member whose additions of one address are held back. */
class LeavingClusterManagerTest {

  private static final String HELD = "leaving.test.held";

  /** Hazelcast's manager, with the addition of {@link #HELD} to the cluster held until {@link #release}. */
  private static final class HeldAdditions extends HazelcastClusterManager {

    private final Promise<Void> released = Promise.promise();
    private final Promise<Void> asked = Promise.promise();

    HeldAdditions(com.hazelcast.config.Config config) {
      super(config);
    }

    @Override
    public void addRegistration(String address, RegistrationInfo info, Completable<Void> promise) {
      if (HELD.equals(address)) {
        asked.tryComplete();
        released.future().onComplete(v -> super.addRegistration(address, info, promise));
      } else {
        super.addRegistration(address, info, promise);
      }
    }

    void release() {
      released.complete();
    }
  }

  @Test
  void aRegistrationAddedWhileTheWithdrawalBeginsIsRemovedAfterItsAddition() throws Exception {
    HeldAdditions hazelcast = new HeldAdditions(HazelcastSetup.of(ClusterConfig.from(InJvmNodes.config(
        "leaving-held-" + ProcessHandle.current().pid(), InJvmNodes.freePort(), List.of())), Duration.ofSeconds(30)));
    LeavingClusterManager leaving = new LeavingClusterManager(hazelcast);
    Vertx vertx = Await.result(Vertx.builder().withClusterManager(leaving).buildClustered(), InJvmNodes.JOIN);
    try {
      MessageConsumer<String> consumer = vertx.eventBus().consumer(HELD, m -> m.reply("x"));
      Await.result(hazelcast.asked.future(), Duration.ofSeconds(10));

      Future<LeavingClusterManager.Withdrawal> withdrawal = leaving.withdraw(Duration.ofSeconds(20));
      hazelcast.release();
      Await.result(consumer.completion(), Duration.ofSeconds(10));
      LeavingClusterManager.Withdrawal done = Await.result(withdrawal, Duration.ofSeconds(30));

      assertThat(done.addresses()).contains(HELD);
      assertThat(done.failures()).isEmpty();
      assertThat(registrations(hazelcast)).isEmpty();
    } finally {
      Await.result(vertx.close(), Duration.ofSeconds(20));
    }
  }

  @Test
  void aStepAfterTheLeaveThatDoesNotEndHoldsTheCloseUpOnlyForItsBound() throws Exception {
    LeavingClusterManager leaving = aloneOnHazelcast("leaving-after-");
    Vertx vertx = Await.result(Vertx.builder().withClusterManager(leaving).buildClustered(), InJvmNodes.JOIN);
    CountDownLatch never = new CountDownLatch(1);
    Promise<AsyncResult<LeavingClusterManager.Left>> given = Promise.promise();
    leaving.afterLeave(outcome -> {
      given.tryComplete(outcome);
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      long start = System.nanoTime();
      Await.result(vertx.close(), Duration.ofSeconds(30));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isGreaterThanOrEqualTo(LeavingClusterManager.AFTER_LEAVE_BOUND)
          .isLessThan(LeavingClusterManager.AFTER_LEAVE_BOUND.plus(ClusteredVertxFactory.LEAVE_MARGIN)
              .plusSeconds(HazelcastSetup.GRACEFUL_SHUTDOWN_MAX_WAIT_SECONDS));
      AsyncResult<LeavingClusterManager.Left> outcome = Await.result(given.future(), Duration.ofSeconds(1));
      assertThat(outcome.succeeded()).isTrue();
      assertThat(outcome.result().atMs()).isLessThanOrEqualTo(System.currentTimeMillis());
      assertThat(Await.result(leaving.left(), Duration.ofSeconds(1))).isEqualTo(outcome.result());
    } finally {
      never.countDown();
    }
  }

  @Test
  void aStepAfterTheLeaveThatThrowsDoesNotFailTheClose() throws Exception {
    LeavingClusterManager leaving = aloneOnHazelcast("leaving-throws-");
    Vertx vertx = Await.result(Vertx.builder().withClusterManager(leaving).buildClustered(), InJvmNodes.JOIN);
    AtomicLong threwAt = new AtomicLong();
    leaving.afterLeave(outcome -> {
      threwAt.set(System.nanoTime());
      throw new IllegalStateException("the step broke");
    });

    Await.result(vertx.close(), Duration.ofSeconds(30));
    long closedAt = System.nanoTime();

    assertThat(threwAt.get()).as("the step ran before the close ended").isNotZero();
    assertThat(Duration.ofNanos(closedAt - threwAt.get())).as("the close did not wait out the bound")
        .isLessThan(LeavingClusterManager.AFTER_LEAVE_BOUND);
  }

  @Test
  void theStepAfterTheLeaveFitsTheCloseAllowance() {
    assertThat(LeavingClusterManager.AFTER_LEAVE_BOUND).isLessThan(ClusteredVertxFactory.LEAVE_MARGIN);
  }

  /** A manager on a real Hazelcast member of a cluster of its own ({@code name} + this JVM's pid). */
  private static LeavingClusterManager aloneOnHazelcast(String name) throws java.io.IOException {
    return new LeavingClusterManager(new HazelcastClusterManager(HazelcastSetup.of(ClusterConfig.from(
        InJvmNodes.config(name + ProcessHandle.current().pid(), InJvmNodes.freePort(), List.of())),
        Duration.ofSeconds(30))));
  }

  private static List<RegistrationInfo> registrations(HazelcastClusterManager hazelcast) {
    Promise<List<RegistrationInfo>> read = Promise.promise();
    hazelcast.getRegistrations(HELD, read);
    return Await.result(read.future(), Duration.ofSeconds(10));
  }
}
