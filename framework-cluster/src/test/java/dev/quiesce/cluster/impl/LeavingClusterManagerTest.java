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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.core.spi.cluster.RegistrationListener;
import io.vertx.core.spi.cluster.RegistrationUpdateEvent;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
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

  private static final String READ = "leaving.test.read";

  /**
   * Hazelcast's manager, with the reads of {@link #READ}'s registrations held until {@link #release}
   * and the update events for it counted as they reach the listener it was given.
   */
  private static final class HeldReads extends HazelcastClusterManager {

    private final Promise<Void> released = Promise.promise();
    private final Promise<Void> asked = Promise.promise();
    private final AtomicInteger emptyUpdates = new AtomicInteger();

    HeldReads(com.hazelcast.config.Config config) {
      super(config);
    }

    @Override
    public void getRegistrations(String address, Completable<List<RegistrationInfo>> promise) {
      if (READ.equals(address)) {
        asked.tryComplete();
        released.future().onComplete(v -> super.getRegistrations(address, promise));
      } else {
        super.getRegistrations(address, promise);
      }
    }

    @Override
    public void registrationListener(RegistrationListener listener) {
      super.registrationListener(new RegistrationListener() {
        @Override
        public void registrationsUpdated(RegistrationUpdateEvent event) {
          listener.registrationsUpdated(event);
          if (READ.equals(event.address()) && event.registrations().isEmpty()) {
            emptyUpdates.incrementAndGet();
          }
        }

        @Override
        public void registrationsLost() {
          listener.registrationsLost();
        }

        @Override
        public boolean wantsUpdatesFor(String address) {
          return listener.wantsUpdatesFor(address);
        }
      });
    }

    void release() {
      released.complete();
    }
  }

  /**
   * Vert.x 5.0's selector drops its entry for an address when an update says no registration is left,
   * even while the entry's first read is under way; a send waiting on that read then waits for its
   * whole timeout. Here: B sends to an address that only A serves, B's first read of it is held, A's
   * consumer goes (an empty update reaches B), then the read ends: the send must fail at once with
   * "no handlers", not after its timeout.
   */
  @Test
  void aSendWhoseFirstReadMeetsTheLastUnregistrationFailsAtOnceInsteadOfTimingOut() throws Exception {
    String cluster = "leaving-read-" + ProcessHandle.current().pid();
    int portA = InJvmNodes.freePort();
    Vertx a = Await.result(Vertx.builder().withClusterManager(new HazelcastClusterManager(HazelcastSetup.of(
        ClusterConfig.from(InJvmNodes.config(cluster, portA, List.of())), Duration.ofSeconds(30))))
        .buildClustered(), InJvmNodes.JOIN);
    HeldReads hazelcast = new HeldReads(HazelcastSetup.of(ClusterConfig.from(InJvmNodes.config(cluster,
        InJvmNodes.freePort(), List.of("127.0.0.1:" + portA))), Duration.ofSeconds(30)));
    Vertx b = Await.result(Vertx.builder().withClusterManager(new LeavingClusterManager(hazelcast))
        .buildClustered(), InJvmNodes.JOIN);
    try {
      Await.until("B sees A", Duration.ofSeconds(60), () -> hazelcast.getNodes().size() == 2);
      MessageConsumer<String> onA = a.eventBus().consumer(READ, m -> m.reply("a"));
      Await.result(onA.completion(), Duration.ofSeconds(10));

      Duration timeout = Duration.ofSeconds(20);
      Future<Message<String>> request = b.eventBus().request(READ, "x",
          new DeliveryOptions().setSendTimeout(timeout.toMillis()));
      Await.result(hazelcast.asked.future(), Duration.ofSeconds(10));
      Await.result(onA.unregister(), Duration.ofSeconds(10));
      Await.until("B got the update: no registration of " + READ + " left", Duration.ofSeconds(10),
          () -> hazelcast.emptyUpdates.get() > 0);
      long released = System.nanoTime();
      hazelcast.release();

      Throwable failure = Await.result(request.transform(ar -> Future.succeededFuture(ar.cause())),
          timeout.plusSeconds(10));
      assertThat(failure).isInstanceOf(ReplyException.class);
      assertThat(((ReplyException) failure).failureType()).as("%s", failure).isEqualTo(ReplyFailure.NO_HANDLERS);
      assertThat(Duration.ofNanos(System.nanoTime() - released)).isLessThan(timeout.dividedBy(2));
    } finally {
      Await.result(b.close(), Duration.ofSeconds(20));
      Await.result(a.close(), Duration.ofSeconds(20));
    }
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
