package dev.quiesce.testing;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The boundaries between Quiesce's modules, checked with ArchUnit on the compiled classes of
 * one module (its {@code target/classes} and {@code target/test-classes}). Every module has an
 * {@code ArchitectureTest} that calls {@link #check(QuiesceModule)}, so a violation fails
 * {@code mvn verify} in the module that commits it.
 *
 * <p>The rules (docs/ARCHITECTURE.md explains them):
 * <ol>
 *   <li>framework-core never depends on another module's code (web, process, cluster, example, bench, cli);</li>
 *   <li>the feature modules (web, process, cluster) depend on core only, never on each other;</li>
 *   <li>nothing outside a module depends on that module's {@code ..impl..} packages;</li>
 *   <li>no cycles between a module's packages (a package and its own {@code impl} count as one unit:
 *       the API constructs its implementation, the implementation uses the API's types);</li>
 *   <li>every package of the main code has a {@code package-info.java};</li>
 *   <li>public Vert.x API only: Vert.x's {@code internal} and {@code impl} packages are used by the
 *       classes of {@link #VERTX_INTERNAL_USERS} alone, each with its reason.</li>
 *   <li>the exceptions to rule 3: each class of {@link #CORE_IMPL_USERS} uses one class of core's
 *       {@code impl} packages (the stop rehearsal's {@code StopWarmup}, the libc glue
 *       {@code UnixDatagrams}), named there with its reason, and nothing else of them.</li>
 * </ol>
 */
public final class ArchitectureRules {

  /** Quiesce's modules and the packages each one owns. */
  public enum QuiesceModule {
    CORE("dev.quiesce.lifecycle", "dev.quiesce.config", "dev.quiesce.signal", "dev.quiesce.launcher",
        "dev.quiesce.systemd", "dev.quiesce.testing"),
    WEB("dev.quiesce.web"),
    PROCESS("dev.quiesce.process"),
    CLUSTER("dev.quiesce.cluster"),
    CLI("dev.quiesce.cli"),
    EXAMPLE("dev.quiesce.example"),
    BENCH("dev.quiesce.bench");

    private final List<String> roots;

    QuiesceModule(String... roots) {
      this.roots = List.of(roots);
    }

    /** ArchUnit package patterns of everything the module owns, e.g. {@code dev.quiesce.web..}. */
    public String[] packages() {
      return roots.stream().map(root -> root + "..").toArray(String[]::new);
    }

    /** ArchUnit package patterns of the module's implementation packages. */
    public String[] implPackages() {
      return roots.stream().map(root -> root + "..impl..").toArray(String[]::new);
    }

    boolean isFeature() {
      return this == WEB || this == PROCESS || this == CLUSTER;
    }
  }

  /**
   * The only classes that may use Vert.x's {@code internal} or {@code impl} packages (not API: they
   * change without notice), each with its reason.
   */
  public static final Map<String, String> VERTX_INTERNAL_USERS = Map.of(
      "dev.quiesce.web.impl.TrackingRequest",
      "vertx-web's router requires an HttpServerRequestInternal; a request made for a WebSocket upgrade"
          + " is wrapped in Vert.x's own HttpServerRequestWrapper to see its end",
      "dev.quiesce.bench.Probes",
      "the benchmark measures the request-tracking variants of earlier versions, which wrapped every request");

  private static final String STOP_WARMUP = "dev.quiesce.lifecycle.impl.StopWarmup";
  private static final String UNIX_DATAGRAMS = "dev.quiesce.systemd.impl.UnixDatagrams";

  /**
   * The only classes outside core's {@code impl} packages that may use one class of them (internal
   * parts, not API), each with that class and its reason; they may use nothing else of those packages.
   */
  public static final Map<String, CoreImplUse> CORE_IMPL_USERS = Map.of(
      "dev.quiesce.web.impl.WebStopWarmup", new CoreImplUse(STOP_WARMUP,
          "loads the HTTP drain's classes before the first stop"),
      "dev.quiesce.process.impl.ProcessStopWarmup", new CoreImplUse(STOP_WARMUP,
          "loads the stop ladders' classes before the first stop"),
      "dev.quiesce.process.impl.NotifySocket", new CoreImplUse(UNIX_DATAGRAMS,
          "the children's sd_notify socket receives through the sender's libc glue"),
      "dev.quiesce.process.impl.Notifications", new CoreImplUse(UNIX_DATAGRAMS,
          "closes descriptors a child passed (SCM_RIGHTS) with the same glue"),
      "dev.quiesce.testing.NotifyReceiver", new CoreImplUse(UNIX_DATAGRAMS,
          "the test receiver of sd_notify, systemd's side"));

  /** The one class of core's {@code impl} packages a class of {@link #CORE_IMPL_USERS} may use, and why. */
  public record CoreImplUse(String coreClass, String reason) {
  }

  private ArchitectureRules() {
  }

  /** Imports the module in the current working directory (Maven runs tests there) and checks every rule. */
  public static void check(QuiesceModule module) {
    Path dir = Path.of(System.getProperty("basedir", "."));
    JavaClasses main = importFrom(dir, "target/classes");
    JavaClasses all = importFrom(dir, "target/classes", "target/test-classes");
    if (all.isEmpty()) {
      throw new AssertionError("no classes found for " + module + " under " + dir.toAbsolutePath()
          + ": run the test through Maven");
    }
    for (ArchRule rule : dependencyRules(module)) {
      rule.check(all);
    }
    if (!main.isEmpty()) {
      noPackageCycles(module).check(main);
    }
    everyPackageSaysWhatLivesThere(dir.resolve("src/main/java"));
  }

  /** Every package of the module's main code has a {@code package-info.java} with its Javadoc. */
  public static void everyPackageSaysWhatLivesThere(Path sources) {
    if (!Files.isDirectory(sources)) {
      return;
    }
    try (Stream<Path> files = Files.walk(sources)) {
      List<Path> missing = files.filter(f -> f.toString().endsWith(".java")).map(Path::getParent).distinct()
          .filter(pkg -> !Files.isRegularFile(pkg.resolve("package-info.java")))
          .map(sources::relativize).sorted().toList();
      if (!missing.isEmpty()) {
        throw new AssertionError("packages without a package-info.java saying what lives there: " + missing);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * No cycles between the packages of a module's main code. Tests are left out: a test fixture
   * in {@code dev.quiesce.testing} and the test in {@code dev.quiesce.lifecycle} that uses it
   * depend on each other by nature.
   */
  public static ArchRule noPackageCycles(QuiesceModule module) {
    return slices().matching("dev.quiesce.(*)..").should().beFreeOfCycles()
        .as("no package cycles in " + module + " (a package and its impl count as one)");
  }

  /** The dependency rules that apply to the main and test classes of {@code module}. */
  public static List<ArchRule> dependencyRules(QuiesceModule module) {
    List<ArchRule> rules = new ArrayList<>();
    if (module == QuiesceModule.CORE) {
      rules.add(noClasses().should().dependOnClassesThat().resideInAnyPackage(packagesOf(
              Arrays.stream(QuiesceModule.values()).filter(m -> m != QuiesceModule.CORE)))
          .as("framework-core never depends on web, process, cluster, example, bench or cli code"));
    }
    if (module.isFeature()) {
      rules.add(noClasses().should().dependOnClassesThat().resideInAnyPackage(packagesOf(
              Arrays.stream(QuiesceModule.values()).filter(m -> m != module && m != QuiesceModule.CORE)))
          .as(module + " depends on framework-core only, never on another module"));
    }
    rules.add(noClasses().that(DescribedPredicate.describe("are not listed in VERTX_INTERNAL_USERS",
            (JavaClass c) -> !VERTX_INTERNAL_USERS.containsKey(c.getName().replaceFirst("\\$.*", ""))))
        .should().dependOnClassesThat().resideInAnyPackage("io.vertx..internal..", "io.vertx..impl..")
        .as("public Vert.x API only: Vert.x internal or impl packages are used by " + VERTX_INTERNAL_USERS.keySet()
            + " alone"));
    DescribedPredicate<JavaClass> coreImplUser = DescribedPredicate.describe("are listed in CORE_IMPL_USERS",
        (JavaClass c) -> CORE_IMPL_USERS.containsKey(c.getName().replaceFirst("\\$.*", "")));
    for (QuiesceModule other : QuiesceModule.values()) {
      if (other != module) {
        rules.add(noClasses().that(other == QuiesceModule.CORE ? DescribedPredicate.not(coreImplUser)
                : DescribedPredicate.alwaysTrue())
            .should().dependOnClassesThat().resideInAnyPackage(other.implPackages())
            .as("nothing outside " + other + " depends on its impl packages " + String.join(", ", other.implPackages())));
      }
    }
    if (module != QuiesceModule.CORE) {
      CORE_IMPL_USERS.forEach((user, use) -> rules.add(noClasses()
          .that(DescribedPredicate.describe("are " + user, (JavaClass c) -> c.getName().replaceFirst("\\$.*", "").equals(user)))
          .should().dependOnClassesThat(JavaClass.Predicates.resideInAnyPackage(QuiesceModule.CORE.implPackages())
              .and(DescribedPredicate.describe("are not " + use.coreClass() + " or nested in it",
                  (JavaClass c) -> !c.getName().replaceFirst("\\$.*", "").equals(use.coreClass()))))
          .allowEmptyShould(true)
          .as(user + " uses nothing of CORE's impl packages but " + use.coreClass())));
    }
    return rules;
  }

  private static String[] packagesOf(Stream<QuiesceModule> modules) {
    return modules.flatMap(m -> Arrays.stream(m.packages())).toArray(String[]::new);
  }

  private static JavaClasses importFrom(Path moduleDir, String... outputDirs) {
    List<Path> dirs = Stream.of(outputDirs).map(moduleDir::resolve).filter(Files::isDirectory).toList();
    return new ClassFileImporter().importPaths(dirs);
  }
}
