package dev.quiesce.cluster.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.TcpIpConfig;
import dev.quiesce.cluster.ClusterConfig;
import dev.quiesce.cluster.InJvmNodes;
import dev.quiesce.launcher.VertxFactory;
import dev.quiesce.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.NodeInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The clustered factory with real Hazelcast members in this JVM on 127.0.0.1: a taken member port
 * fails at once naming {@code host:port}; unreachable members give a node of its own and a warning
 * that names them; members of another cluster name are named as such; the join is bounded by the
 * start's budget.
 */
class ClusteredVertxFactoryTest {

  private final InJvmNodes nodes = new InJvmNodes();
  private final String name = "factory-test-" + ProcessHandle.current().pid();

  @AfterEach
  void closeAll() {
    nodes.close();
  }

  @Test
  void aTakenMemberPortFailsAtOnceNamingHostAndPort() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Future<Vertx> creating = new ClusteredVertxFactory().create(new VertxOptions(), config(name, port, List.of()))
          .orElseThrow();

      assertThat(creating.failed()).isTrue();
      assertThat(creating.cause()).hasMessageStartingWith("cluster.port: Hazelcast cannot listen on 127.0.0.1:" + port)
          .hasMessageContaining("another node or program holds it");
    }
  }

  @Test
  void aHostThatIsNoAddressOfThisMachineFailsAtOnceNamingIt() {
    // 192.0.2.1 (TEST-NET-1, documentation only) is nobody's address here: the bind fails, no packet is sent
    JsonObject config = config(name, 5999, List.of());
    config.getJsonObject("cluster").put("host", "192.0.2.1");

    Future<Vertx> creating = new ClusteredVertxFactory().create(new VertxOptions(), config).orElseThrow();

    assertThat(creating.failed()).isTrue();
    assertThat(creating.cause()).hasMessageStartingWith("cluster.host: Hazelcast cannot listen on 192.0.2.1:5999")
        .hasMessageEndingWith("is 192.0.2.1 an address of this machine?");
  }

  @Test
  void aBindFailureInsideHazelcastIsExplainedTheSameWay() {
    ClusterConfig cluster = ClusterConfig.from(config(name, 5999, List.of()));
    Throwable explained = ClusteredVertxFactory.explain(cluster,
        new IllegalStateException("Hazelcast cannot start", new java.net.BindException("Address already in use")));

    assertThat(explained).hasMessageStartingWith("cluster.port: Hazelcast cannot listen on 127.0.0.1:5999");
    assertThat(ClusteredVertxFactory.explain(cluster, new IllegalStateException("other"))).hasMessage("other");
  }

  @Test
  void unreachableMembersGiveANodeOfItsOwnWithAWarningNamingThem() throws IOException {
    int self = freePort();
    String nobody = "127.0.0.1:" + freePort();
    ClusteredVertxFactory factory = new ClusteredVertxFactory();
    JsonObject config = config(name + "-alone", self, List.of(nobody));
    // the join's bound: a third of 3 s, 1 s (Hazelcast alone would search for 20 s)
    config.put("lifecycle", new JsonObject().put("startTimeout", "3s"));

    long begin = System.nanoTime();
    Vertx vertx = create(factory, config);
    long tookMs = (System.nanoTime() - begin) / 1_000_000;
    VertxFactory.Description d = factory.describe(vertx);

    assertThat(tookMs).as("the join is bounded by a third of startTimeout (1 s), then the node starts alone; 15 s"
        + " leaves a loaded machine room and stays below Hazelcast's own 20 s").isLessThan(15_000);
    assertThat(d.summary()).startsWith("cluster \"" + name + "-alone\" node ")
        .endsWith("members 1 [127.0.0.1:" + self + " (this)]");
    assertThat(d.warnings()).singleElement().asString()
        .startsWith("could not join cluster.members " + nobody + " (nothing listens there): ")
        .contains("this node runs a cluster of 1 without them");
  }

  @Test
  void aMemberOfAnotherClusterNameIsNamedAsALikelyCause() throws IOException {
    int other = freePort();
    create(new ClusteredVertxFactory(), config(name + "-other", other, List.of()));
    ClusteredVertxFactory factory = new ClusteredVertxFactory();

    Vertx vertx = create(factory, config(name + "-mine", freePort(), List.of("127.0.0.1:" + other)));

    assertThat(factory.describe(vertx).warnings()).singleElement().asString()
        .startsWith("could not join cluster.members 127.0.0.1:" + other + " (answers, but did not join: a member"
            + " still starting (it joins later), one of another cluster.name");
  }

  @Test
  void membersThatJoinedAreListedWithoutAWarning() throws IOException {
    int first = freePort();
    int second = freePort();
    create(new ClusteredVertxFactory(), config(name + "-two", first, List.of()));
    ClusteredVertxFactory factory = new ClusteredVertxFactory();

    Vertx vertx = create(factory, config(name + "-two", second, List.of("127.0.0.1:" + first)));
    VertxFactory.Description d = factory.describe(vertx);

    assertThat(d.summary()).contains("members 2 [").contains("127.0.0.1:" + first)
        .contains("127.0.0.1:" + second + " (this)");
    assertThat(d.warnings()).isEmpty();
  }

  @Test
  void eachInstanceIsDescribedByItsOwnSection() throws IOException {
    ClusteredVertxFactory factory = new ClusteredVertxFactory();
    Vertx first = create(factory, config(name + "-first", freePort(), List.of()));
    Vertx second = create(factory, config(name + "-second", freePort(), List.of()));

    assertThat(factory.describe(first).summary()).startsWith("cluster \"" + name + "-first\" node ");
    assertThat(factory.describe(second).summary()).startsWith("cluster \"" + name + "-second\" node ");
    // the node id the fleet and the leave use (vertx-hazelcast's, not Hazelcast's member UUID)
    assertThat(factory.describe(first).summary()).contains(" node " + factory.leavingClusterManager(first).getNodeId()
        + " members ");
  }

  @Test
  void theLeaveIsBoundedAndTheLauncherAllowsForItOnlyForAClusteredInstance() throws IOException {
    ClusteredVertxFactory factory = new ClusteredVertxFactory();
    Vertx clustered = create(factory, config(name + "-leave", freePort(), List.of()));
    Vertx plain = Vertx.vertx();
    try {
      assertThat(HazelcastSetup.of(ClusterConfig.from(config(name, 5999, List.of())))
          .getProperty("hazelcast.graceful.shutdown.max.wait")).isEqualTo("3");
      assertThat(factory.closeAllowance(clustered)).isEqualTo(Duration.ofSeconds(5));
      assertThat(factory.closeAllowance(plain)).isZero();
    } finally {
      plain.close();
    }
  }

  @Test
  void anIpv6MemberInBracketsIsProbedNotTakenForAHostName() throws IOException {
    ClusterConfig cluster = ClusterConfig.from(config(name, 5999, List.of("[::1]:" + freePort())));

    assertThat(ClusterView.absent(cluster, java.util.Set.of())).singleElement()
        .extracting(ClusterView.Absent::why).isNotEqualTo(ClusterView.Absence.UNKNOWN_HOST);
  }

  @Test
  void theMembersItCouldNotJoinAreGroupedByReasonInTheirOrder() {
    String grouped = ClusterView.grouped(List.of(
        new ClusterView.Absent("10.0.0.1:5701", ClusterView.Absence.NOT_LISTENING),
        new ClusterView.Absent("10.0.0.2:5701", ClusterView.Absence.NOT_A_MEMBER),
        new ClusterView.Absent("10.0.0.3:5701", ClusterView.Absence.NOT_LISTENING)));

    assertThat(grouped).startsWith("10.0.0.1:5701, 10.0.0.3:5701 (nothing listens there); 10.0.0.2:5701 (answers,");
  }

  @Test
  void hazelcastIsKeptOnTheConfiguredAddressWithItsJoinBoundedByTheStartBudget() {
    ClusterConfig cluster = ClusterConfig.from(config(name, 5999, List.of("127.0.0.1:5998")));

    Config hz = HazelcastSetup.of(cluster, Duration.ofSeconds(12));

    assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(hz.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(hz.getProperty("hazelcast.max.join.seconds")).isEqualTo("4");
    assertThat(hz.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(hz.getNetworkConfig().getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    TcpIpConfig tcp = hz.getNetworkConfig().getJoin().getTcpIpConfig();
    assertThat(tcp.getMembers()).containsExactly("127.0.0.1:5998");
    assertThat(tcp.getConnectionTimeoutSeconds()).isEqualTo(4);
    assertThat(HazelcastSetup.joinSeconds(Duration.ofMinutes(1))).isEqualTo(20);
    assertThat(HazelcastSetup.joinSeconds(Duration.ofHours(1))).isEqualTo(20);
    assertThat(HazelcastSetup.joinSeconds(Duration.ofMillis(500))).isEqualTo(1);
  }

  @Test
  void aPublicHostIsWhereTheOtherNodesReachThisNode() throws IOException {
    int portA = freePort();
    ClusteredVertxFactory factoryA = new ClusteredVertxFactory();
    Vertx a = create(factoryA, config(name, portA, List.of()));
    JsonObject configB = config(name, freePort(), List.of("127.0.0.1:" + portA));
    // "localhost": another name for the loopback, so A can reach B by it, and not what B binds (127.0.0.1);
    // the node info read by A tells the two apart, the request shows the public host is reachable
    configB.getJsonObject("cluster").put("publicHost", "localhost");
    ClusteredVertxFactory factoryB = new ClusteredVertxFactory();
    Vertx b = create(factoryB, configB);
    Await.result(b.eventBus().<String>consumer("factory.test.public", m -> m.reply("b")).completion(),
        Duration.ofSeconds(10));
    String idB = factoryB.leavingClusterManager(b).getNodeId();

    Promise<NodeInfo> seenByA = Promise.promise();
    factoryA.leavingClusterManager(a).getNodeInfo(idB, seenByA);

    assertThat(Await.result(seenByA.future(), Duration.ofSeconds(10)).host()).isEqualTo("localhost");
    String answer = Await.value("A reaches B's consumer at its public host", Duration.ofSeconds(30),
        () -> Await.result(a.eventBus().<String>request("factory.test.public", "x",
            new DeliveryOptions().setSendTimeout(3000)).map(m -> m.body()).otherwise((String) null),
            Duration.ofSeconds(10)));
    assertThat(answer).isEqualTo("b");
    assertThat(HazelcastSetup.of(ClusterConfig.from(configB), Duration.ofSeconds(12)).getNetworkConfig()
        .getPublicAddress()).isEqualTo("localhost:" + configB.getJsonObject("cluster").getInteger("port"));
  }

  private Vertx create(ClusteredVertxFactory factory, JsonObject config) {
    return nodes.node(factory, config);
  }

  private static JsonObject config(String name, int port, List<String> members) {
    return InJvmNodes.config(name, port, members);
  }

  private static int freePort() throws IOException {
    return InJvmNodes.freePort();
  }
}
