package dev.quiesce.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.testing.JvmProcess;
import dev.quiesce.testing.Timing;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user does with the README: a project of their own ({@code samples/hello-quiesce}, outside
 * the reactor) imports {@code dev.quiesce:quiesce-bom}, depends on the installed artifacts only,
 * builds its own fat jar, and the jar stops cleanly on TERM.
 *
 * <p>The artifacts are this build's: the pom's {@code pre-integration-test} installs them into
 * {@code target/sample-repo} (never {@code ~/.m2}). The sample is built with that directory as its
 * local repository, offline, every other artifact (Vert.x, the Maven plugins) read from the build's
 * own local repository as a {@code file://} mirror; nothing is downloaded and nothing is written to
 * the build's local repository.
 */
class HelloQuiesceSampleIT {

  private static final Duration BUILD = Duration.ofMinutes(5);
  private static final Duration START = Duration.ofSeconds(60);
  private static final String STARTED = "quiesce started pid=(\\d+)";

  private final Path sampleSource = Path.of(System.getProperty("sample.dir"));
  private final Path repo = Path.of(System.getProperty("sample.repo"));
  private final Path work = Path.of(System.getProperty("sample.work"));
  private final String version = System.getProperty("sample.quiesceVersion");

  @TempDir
  Path run;

  @Test
  void theSampleBuildsAgainstTheInstalledArtifactsAndStopsCleanlyOnTerm() throws Exception {
    // the artifacts the sample is built against are this build's
    assertThat(repo.resolve("dev/quiesce/framework-core/" + version + "/framework-core-" + version + ".jar"))
        .hasSameBinaryContentAs(libraryJar("framework-core", ""));
    assertThat(repo.resolve("dev/quiesce/quiesce-bom/" + version + "/quiesce-bom-" + version + ".pom")).isRegularFile();
    // and each library module was built with its sources and javadoc jars (-DskipITs with -Dmaven.javadoc.skip)
    for (String module : List.of("framework-core", "framework-web", "process-manager")) {
      assertJarHas(libraryJar(module, "-sources"), ".java");
      assertJarHas(libraryJar(module, "-javadoc"), "index.html");
    }

    Path sample = copySample();
    Path log = work.resolve("mvn-package.log");
    int built = mavenPackage(sample, log);
    assertThat(built).as("mvn package of the sample, exit code; its output:\n%s", tail(log)).isZero();
    Path jar = sample.resolve("target/hello-quiesce.jar");
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      assertThat(zip.getEntry("com/example/hello/HelloQuiesce.class")).as("the sample's class").isNotNull();
      assertThat(zip.getEntry("dev/quiesce/launcher/QuiesceLauncher.class")).as("framework-core, shaded in").isNotNull();
      assertThat(zip.getEntry("dev/quiesce/web/QuiesceWeb.class")).as("framework-web, shaded in").isNotNull();
    }

    int httpPort = freePort();
    int managementPort = freePort();
    JsonObject config = new JsonObject(Files.readString(sample.resolve("conf/config.json")));
    config.getJsonObject("http").put("port", httpPort);
    config.getJsonObject("management").put("port", managementPort);
    Path report = run.resolve("stop-report.json");
    config.getJsonObject("lifecycle").put("reportFile", report.toString());
    Path configFile = run.resolve("config.json");
    Files.writeString(configFile, config.encodePrettily());

    try (JvmProcess app = JvmProcess.startJar(run, List.of("-Xmx128m"), jar, List.of("--config", configFile.toString()),
        Map.of())) {
      app.awaitLine(STARTED, START);
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> hello = client.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + httpPort + "/hello?name=ci")).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(hello.statusCode()).isEqualTo(200);
      assertThat(hello.body()).isEqualTo("hello, ci\n");

      JvmProcess.Exit exit = app.stop("TERM", Timing.upTo(Duration.ofSeconds(30)));
      assertThat(exit.code()).as("exit code after TERM; output:\n%s", app.output()).isZero();
      assertThat(app.output()).contains("stop report {");
    }

    JsonObject stopReport = new JsonObject(Files.readString(report));
    assertThat(stopReport.getString("trigger")).isEqualTo("signal");
    assertThat(stopReport.getString("reason")).isEqualTo("SIGTERM");
    assertThat(stopReport.getString("outcome")).isEqualTo("graceful");
    assertThat(stopReport.getInteger("exitCode")).isZero();
    assertThat(stopReport.getJsonArray("problems")).isEmpty();
    JsonObject greetings = participant(stopReport, "drain", "greetings");
    assertThat(greetings.getString("outcome")).isEqualTo("done");
    assertThat(greetings.getJsonObject("detail").getLong("greeted")).as("greetings handed out before the stop")
        .isEqualTo(1L);
  }

  /** {@code <module>/target/<module>-<version><classifier>.jar} of this build. */
  private Path libraryJar(String module, String classifier) {
    return Path.of(System.getProperty("sample.reactorRoot"), module, "target",
        module + "-" + version + classifier + ".jar");
  }

  private static void assertJarHas(Path jar, String suffix) throws IOException {
    assertThat(jar).isRegularFile();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      assertThat(zip.stream().anyMatch(e -> e.getName().endsWith(suffix))).as("%s has a %s", jar, suffix).isTrue();
    }
  }

  /** A fresh copy of samples/hello-quiesce (its sources and configuration; no build output) under target/. */
  private Path copySample() throws IOException {
    Path copy = work.resolve("hello-quiesce");
    Files.createDirectories(work);
    if (Files.exists(copy)) {
      try (Stream<Path> old = Files.walk(copy)) {
        old.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
      }
    }
    try (Stream<Path> files = Files.walk(sampleSource)) {
      files.filter(p -> !sampleSource.relativize(p).startsWith("target")).forEach(p -> {
        try {
          Files.copy(p, copy.resolve(sampleSource.relativize(p).toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return copy;
  }

  /**
   * {@code mvn -o package} of the sample with {@code target/sample-repo} as its local repository and the
   * build's local repository as a read-only {@code file://} mirror of every remote one (Maven 3.8 has no
   * second local repository to read from); {@code aether.offline.protocols=file} lets that mirror be read
   * offline. Returns the exit code.
   */
  private int mavenPackage(Path sample, Path log) throws IOException, InterruptedException {
    Path settings = work.resolve("settings.xml");
    String mirror = Path.of(System.getProperty("sample.mirror")).toUri().toString();
    // a local repository keeps no checksums: read it without checking them (central's policies, by its id)
    Files.writeString(settings, """
        <settings>
          <mirrors>
            <mirror>
              <id>build-local-repository</id>
              <mirrorOf>*</mirrorOf>
              <url>%1$s</url>
            </mirror>
          </mirrors>
          <profiles>
            <profile>
              <id>no-checksums</id>
              <repositories>
                <repository>
                  <id>central</id>
                  <url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </repository>
              </repositories>
              <pluginRepositories>
                <pluginRepository>
                  <id>central</id>
                  <url>%1$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </pluginRepository>
              </pluginRepositories>
            </profile>
          </profiles>
          <activeProfiles>
            <activeProfile>no-checksums</activeProfile>
          </activeProfiles>
        </settings>
        """.formatted(mirror));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("sample.mavenHome"), "bin", "mvn").toString(), "-B", "-o",
        "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "-Daether.offline.protocols=file",
        "-Dquiesce.version=" + version, "-f", sample.resolve("pom.xml").toString(), "package"));
    ProcessBuilder builder = new ProcessBuilder(command).directory(sample.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("TEST_RUN_TAG", "quiesce-test-sample-build-" + UUID.randomUUID());
    Process mvn = builder.start();
    if (!mvn.waitFor(Timing.upTo(BUILD).toMillis(), TimeUnit.MILLISECONDS)) {
      mvn.descendants().forEach(ProcessHandle::destroyForcibly);
      mvn.destroyForcibly();
      throw new AssertionError("mvn package of the sample did not end within " + Timing.upTo(BUILD) + "; output:\n"
          + tail(log));
    }
    return mvn.exitValue();
  }

  private static JsonObject participant(JsonObject report, String phase, String name) {
    for (Object p : report.getJsonArray("phases")) {
      JsonObject ph = (JsonObject) p;
      if (phase.equals(ph.getString("phase"))) {
        JsonArray participants = ph.getJsonArray("participants");
        for (Object o : participants) {
          if (name.equals(((JsonObject) o).getString("participant"))) {
            return (JsonObject) o;
          }
        }
      }
    }
    throw new AssertionError("no participant " + name + " in phase " + phase + " of " + report.encode());
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
