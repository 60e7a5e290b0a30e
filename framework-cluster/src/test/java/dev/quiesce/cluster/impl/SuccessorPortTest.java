package dev.quiesce.cluster.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.cluster.InJvmNodes;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The member port of an upgrade's successor, with real sockets and real Hazelcast members in this JVM on
 * 127.0.0.1 (this JVM plays the predecessor: it holds the port): the successor takes the next free port of
 * the range instead of failing, finds the predecessor's member among the ports this process listens on,
 * and joins the cluster through it alone; a range with no free port fails naming it. A normal start on a
 * taken port still fails at once ({@link ClusteredVertxFactoryTest}).
 */
class SuccessorPortTest {

  private final long self = ProcessHandle.current().pid();
  private final String name = "successor-port-test-" + self;
  private final List<Vertx> started = new ArrayList<>();
  private final List<ServerSocket> held = new ArrayList<>();

  @AfterEach
  void closeAll() throws IOException {
    started.forEach(v -> Await.result(v.close(), InJvmNodes.JOIN));
    for (ServerSocket s : held) {
      s.close();
    }
  }

  @Test
  void aSuccessorTakesTheNextFreePortAndNamesThePredecessorsMember() throws IOException {
    int port = hold(InJvmNodes.freePort());
    ClusterConfig cluster = ClusterConfig.from(InJvmNodes.config(name, port, List.of()));

    SuccessorPort.Choice choice = SuccessorPort.choose(cluster, self);

    assertThat(choice.port()).isGreaterThan(port).isLessThanOrEqualTo(port + SuccessorPort.RANGE);
    assertThat(choice.predecessorMembers()).contains("127.0.0.1:" + port)
        .doesNotContain("127.0.0.1:" + choice.port());
    assertThat(SuccessorPort.listeningPorts(self)).contains(port);
  }

  @Test
  void aSuccessorTakesClusterPortItselfWhenItIsFree() throws IOException {
    int port = InJvmNodes.freePort();
    ClusterConfig cluster = ClusterConfig.from(InJvmNodes.config(name, port, List.of()));

    assertThat(SuccessorPort.choose(cluster, self).port()).isEqualTo(port);
  }

  @Test
  void aRangeWithoutAFreePortFailsNamingIt() throws IOException {
    int port = InJvmNodes.freePort();
    for (int p = port; p <= port + SuccessorPort.RANGE; p++) {
      try {
        hold(p);
      } catch (IOException taken) {
        // another process holds it: taken all the same
      }
    }
    ClusterConfig cluster = ClusterConfig.from(InJvmNodes.config(name, port, List.of()));

    assertThatThrownBy(() -> SuccessorPort.choose(cluster, self)).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cluster.port: an upgrade's successor (of pid " + self + ") found none of 127.0.0.1:"
            + port + " to " + (port + SuccessorPort.RANGE) + " free");
  }

  @Test
  void aSuccessorBesideItsPredecessorJoinsItThroughItsMemberPortAlone() throws IOException {
    int port = InJvmNodes.freePort();
    ClusteredVertxFactory predecessorFactory = new ClusteredVertxFactory();
    Vertx predecessor = create(predecessorFactory, OptionalLong.empty(), port);
    ClusteredVertxFactory successorFactory = new ClusteredVertxFactory();

    // no cluster.members: the successor finds the cluster through the predecessor's port only
    Vertx successor = create(successorFactory, OptionalLong.of(self), port);

    String summary = successorFactory.describe(successor).summary();
    assertThat(summary).contains("members 2 [").contains("127.0.0.1:" + port)
        .doesNotContain("127.0.0.1:" + port + " (this)");
    assertThat(predecessorFactory.leavingClusterManager(predecessor).getNodes()).hasSize(2);
    assertThat(predecessorFactory.describe(predecessor).summary()).contains("127.0.0.1:" + port + " (this)");
  }

  private Vertx create(ClusteredVertxFactory factory, OptionalLong predecessor, int port) {
    Future<Vertx> creating = factory.create(new VertxOptions(), InJvmNodes.config(name, port, List.of()), predecessor)
        .orElseThrow();
    Vertx vertx = Await.result(creating, InJvmNodes.JOIN);
    started.add(vertx);
    return vertx;
  }

  private int hold(int port) throws IOException {
    ServerSocket socket = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    held.add(socket);
    return port;
  }
}
