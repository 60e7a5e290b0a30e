package dev.quiesce.cli;

import dev.quiesce.cli.impl.CliFailure;
import dev.quiesce.cli.impl.EventStream;
import dev.quiesce.cli.impl.EventStream.Item;
import dev.quiesce.cli.impl.Json;
import dev.quiesce.cli.impl.ManagementClient;
import dev.quiesce.cli.impl.ManagementClient.Answer;
import dev.quiesce.cli.impl.ReportFile;
import dev.quiesce.cli.impl.Summaries;
import dev.quiesce.cli.impl.Timeouts;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code quiesce} command: the management listener's endpoints from a shell. {@code status},
 * {@code events} (one line per event of the stream), {@code stop}, {@code drain}, {@code resume},
 * {@code reload} and {@code upgrade}; with {@code --wait}, a stop follows the event stream until
 * the stop report and exits with the report's exit code ({@link ExitCode}). {@code fleet status},
 * {@code fleet reload|upgrade|restart} drive a clustered node's {@code /fleet} endpoints. The token is read from
 * {@code --token-file} or {@code QUIESCE_MANAGEMENT_TOKEN}, never from the command line. Every wait
 * is bounded by {@code --timeout}. See quiesce-cli/README.md.
 */
@Command(name = "quiesce", mixinStandardHelpOptions = true, versionProvider = QuiesceCli.Version.class,
    description = "Talks to a Quiesce application's management listener: status, events, stop, drain, resume,"
        + " reload, upgrade; fleet (a clustered node's /fleet endpoints).",
    subcommands = {QuiesceCli.Status.class, QuiesceCli.Events.class, QuiesceCli.Stop.class, QuiesceCli.Drain.class,
        QuiesceCli.Resume.class, QuiesceCli.Reload.class, QuiesceCli.Upgrade.class, QuiesceCli.Fleet.class},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:done; with --wait: the stop was graceful, the reload or upgrade done, the fleet operation done",
        "1:failed: the listener could not be reached or refused (401, 403, 409, ...)",
        "2:usage: a bad option, no token",
        "3:with --wait: the stop was forced (the report's exit code), a reload partial or failed, an upgrade or a"
            + " fleet operation failed",
        "4:with --wait: the end did not come within --timeout",
        "5:stop --wait: the connection was lost (the process ended) and --report gave no report: outcome unknown;"
            + " fleet --wait: the operation is neither running nor the last one (replaced, or the fleet restarted)"})
public final class QuiesceCli implements Callable<Integer> {

  /** The management listener when neither {@code --url} nor {@code QUIESCE_MANAGEMENT_URL} names one. */
  public static final String DEFAULT_URL = "http://127.0.0.1:8081";
  /** The environment variable with the token (the application reads the same one). */
  public static final String TOKEN_ENV = "QUIESCE_MANAGEMENT_TOKEN";
  /** The environment variable with the listener's address. */
  public static final String URL_ENV = "QUIESCE_MANAGEMENT_URL";
  /** {@code --timeout} when none is given (a stop with {@code --wait} takes the application's own deadline). */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** Added to the application's {@code shutdownTimeout} for a stop's wait without {@code --timeout}. */
  public static final Duration STOP_MARGIN = Duration.ofSeconds(10);
  /** The longest {@code ?wait=true} the management listener takes (framework-web's {@code CommandWaits.MAX_WAIT}). */
  public static final Duration MAX_SERVER_WAIT = Duration.ofSeconds(110);
  /** How long a lost connection leaves for the report file to appear, within {@code --timeout}. */
  public static final Duration REPORT_FILE_WAIT = Duration.ofSeconds(10);

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "the management listener (default: $" + URL_ENV + ", else " + DEFAULT_URL + ")")
  private URI url;

  @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "a file holding the bearer token (default: $" + TOKEN_ENV + ")")
  private Path tokenFile;

  @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "PEM certificate(s) to trust for an https URL: the CA of management.tls (default: the JVM's"
          + " trust store)")
  private Path caCert;

  @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION", converter = Timeouts.class,
      description = "bound on every wait: 250ms, 30s, 2m (default 60s; stop --wait: the application's"
          + " shutdownTimeout + 10s; fleet ... --wait: 10m, or every round of steps at its step timeout; events:"
          + " none, follows until the stream ends)")
  private Duration timeout;

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "print the server's JSON (one object per line) instead of a summary")
  private boolean json;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  QuiesceCli(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  /**
   * Runs the command line on the standard streams and the process environment, then exits the JVM with
   * the status {@link #run} returns.
   *
   * @param args the command line arguments
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /**
   * Runs the command line {@code args}, printing to {@code out} (results) and {@code err} (progress
   * and errors), with {@code env} as the environment.
   *
   * @param args the command line arguments
   * @param out where results are printed
   * @param err where progress and errors are printed
   * @param env the environment variables to read (instead of {@link System#getenv()})
   * @return the exit status ({@link ExitCode})
   */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    CommandLine cli = new CommandLine(new QuiesceCli(out, err, env));
    cli.setOut(new java.io.PrintWriter(out, true)).setErr(new java.io.PrintWriter(err, true));
    cli.setExitCodeExceptionMapper(e -> e instanceof CliFailure f ? f.exitCode().code()
        : e instanceof CommandLine.ParameterException ? ExitCode.USAGE.code() : ExitCode.FAILED.code());
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof CliFailure f) {
        err.println("quiesce: " + f.getMessage());
        return f.exitCode().code();
      }
      throw e;
    });
    return cli.execute(args);
  }

  /** {@code --version}: the version in the jar's manifest ({@code dev} when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = QuiesceCli.class.getPackage().getImplementationVersion();
      return new String[] {"quiesce " + (version == null ? "dev" : version)};
    }
  }

  /** Without a subcommand: the usage. */
  @Override
  public Integer call() {
    CommandLine.usage(this, out);
    return ExitCode.USAGE.code();
  }

  // ---------------------------------------------------------------- shared parts

  private ManagementClient client(boolean control) {
    String address = url != null ? url.toString() : env.getOrDefault(URL_ENV, DEFAULT_URL);
    URI base;
    try {
      base = URI.create(address);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(ExitCode.USAGE, "not a URL: " + address);
    }
    if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()) || base.getHost() == null) {
      throw new CliFailure(ExitCode.USAGE, "not an http(s) URL with a host: " + address);
    }
    return new ManagementClient(base, control ? Optional.of(token()) : Optional.empty(), Optional.ofNullable(caCert));
  }

  private String token() {
    if (tokenFile != null) {
      String text;
      try {
        text = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new CliFailure(ExitCode.USAGE, "cannot read the token file " + tokenFile + ": " + e);
      }
      if (text.isEmpty()) {
        throw new CliFailure(ExitCode.USAGE, "the token file " + tokenFile + " is empty");
      }
      return text;
    }
    String fromEnv = env.get(TOKEN_ENV);
    if (fromEnv == null || fromEnv.isBlank()) {
      throw new CliFailure(ExitCode.USAGE, "this command needs the management token: give --token-file FILE or set "
          + TOKEN_ENV);
    }
    return fromEnv.strip();
  }

  private Instant deadline(Duration fallback) {
    return Instant.now().plus(timeout != null ? timeout : fallback);
  }

  /** {@code wait} from now, or {@code deadline} when that comes first. */
  private static Instant within(Duration wait, Instant deadline) {
    Instant end = Instant.now().plus(wait);
    return end.isBefore(deadline) ? end : deadline;
  }

  private static Optional<String> reasonBody(String reason) {
    return Optional.ofNullable(reason).map(r -> Json.compact(Map.of("reason", r)));
  }

  /**
   * {@code POST /lifecycle/<command>} ({@code command} may carry a query, {@code reload?wait=true});
   * a refusal becomes a failure with the server's reason.
   */
  private Map<String, Object> control(ManagementClient client, String command, String reason, Instant deadline) {
    Answer answer = client.post("/lifecycle/" + command, reasonBody(reason), deadline);
    if (answer.status() / 100 != 2) {
      throw client.refused(answer, command.replaceFirst("\\?.*$", ""));
    }
    return answer.json();
  }

  private void printAccepted(String command, Map<String, Object> reply) {
    if (json) {
      out.println(Json.compact(reply));
    } else {
      out.println(command + " accepted: " + Json.string(reply, "state", "?")
          + (reply.containsKey("escalation") ? " (" + reply.get("escalation") + ")" : "")
          + (Boolean.TRUE.equals(reply.get("queued")) ? " (queued after the running reload)" : ""));
    }
  }

  /** The application's report exit code as the CLI's: 0 stays 0, anything else is {@link ExitCode#FORCED}. */
  private int finishStop(Map<String, Object> report, String note) {
    if (json) {
      if (note != null) {
        err.println(note);
      }
      out.println(Json.compact(report));
    } else {
      if (note != null) {
        out.println(note);
      }
      out.print(Summaries.report(report));
    }
    return Json.number(report, "exitCode", -1) == 0 ? ExitCode.OK.code() : ExitCode.FORCED.code();
  }

  // ---------------------------------------------------------------- subcommands

  /** {@code quiesce status}. */
  @Command(name = "status", description = "The lifecycle state, readiness, in-flight requests and the stop plan.")
  static final class Status implements Callable<Integer> {
    @ParentCommand
    private QuiesceCli root;

    @Override
    public Integer call() {
      ManagementClient client = root.client(false);
      Answer answer = client.get("/lifecycle/status", root.deadline(DEFAULT_TIMEOUT));
      Map<String, Object> status = answer.json();
      if (status.isEmpty()) {
        throw client.refused(answer, "status");
      }
      root.out.print(root.json ? Json.compact(status) + "\n" : Summaries.status(status));
      return answer.status() == 200 ? ExitCode.OK.code() : ExitCode.FAILED.code();
    }
  }

  /** {@code quiesce events}. */
  @Command(name = "events", description = "Follows the event stream, one line per event, until it ends (after the"
      + " stop report) or --timeout.")
  static final class Events implements Callable<Integer> {
    @ParentCommand
    private QuiesceCli root;

    @Override
    public Integer call() {
      ManagementClient client = root.client(false);
      Instant deadline = root.deadline(Duration.ofDays(365));
      try (EventStream events = client.events(deadline)) {
        while (true) {
          Item item = events.next(deadline);
          if (item instanceof Item.Event event) {
            root.out.println(root.json ? event.rawData() : event.name() + " " + event.rawData());
          } else if (item instanceof Item.End end) {
            if (end.error().isPresent()) {
              throw new CliFailure(ExitCode.FAILED, "the event stream of " + client.base() + " broke off: "
                  + end.error().get());
            }
            return ExitCode.OK.code();
          } else {
            return ExitCode.TIMED_OUT.code();
          }
        }
      }
    }
  }

  /** {@code quiesce stop}. */
  @Command(name = "stop", description = "Stops the application (a second stop forces, as a second TERM does).")
  static final class Stop extends Control {
    @Option(names = "--wait", description = "follow the events until the stop report; print its summary and exit"
        + " with its exit code (0 graceful, 3 forced)")
    private boolean await;

    @Option(names = "--force", description = "with --wait, stop even when a stop already runs: that forces it"
        + " (KILL for what is left, as a second SIGTERM does); without --force a running stop is only followed")
    private boolean force;

    @Option(names = "--report", paramLabel = "FILE", description = "the application's lifecycle.reportFile: read"
        + " when the connection is lost before the report came (the process ended)")
    private Path report;

    @Override
    boolean waits() {
      return await;
    }

    @Override
    Integer sendAndWait(ManagementClient client) {
      Instant began = Instant.now();
      Instant deadline = root.deadline(DEFAULT_TIMEOUT);
      try (EventStream events = client.events(deadline)) {
        Item first = events.next(deadline);
        if (first instanceof Item.Event event && "report".equals(event.name())) {
          return root.finishStop(Json.object(event.data(), "report"), "the application had stopped already:");
        }
        if (!(first instanceof Item.Event status)) {
          throw new CliFailure(ExitCode.FAILED, "the event stream of " + client.base() + " gave no status");
        }
        if (root.timeout == null && status.data().get("shutdownTimeoutMs") instanceof Number ms) {
          deadline = began.plusMillis(ms.longValue()).plus(STOP_MARGIN);
        }
        if ("STOPPING".equals(status.data().get("state")) && !force) {
          // a second stop would force the one running (a third halts): follow it instead
          root.err.println("a stop is already running: following it (--force to force it)");
        } else {
          Map<String, Object> reply = root.control(client, "stop", reason, deadline);
          root.err.println("stop accepted: " + Json.string(reply, "state", "?")
              + (reply.containsKey("escalation") ? " (" + reply.get("escalation") + ")" : ""));
        }
        while (true) {
          Item item = events.next(deadline);
          if (item instanceof Item.Event event) {
            if ("report".equals(event.name())) {
              return root.finishStop(Json.object(event.data(), "report"), null);
            }
            Optional.ofNullable(Summaries.progress(event.name(), event.data())).ifPresent(root.err::println);
          } else if (item instanceof Item.End end) {
            return connectionLost(client, end.error().orElse("the stream ended"), began, deadline);
          } else {
            throw new CliFailure(ExitCode.TIMED_OUT, "no stop report within "
                + Duration.between(began, deadline).toMillis() + " ms; the stop goes on (quiesce status shows it)");
          }
        }
      }
    }

    /** The process ended before its report reached us: the report file says how, or nothing can. */
    private int connectionLost(ManagementClient client, String how, Instant began, Instant deadline) {
      String lost = "the connection to " + client.base() + " was lost before the stop report came (" + how + ")";
      if (report == null) {
        throw new CliFailure(ExitCode.OUTCOME_UNKNOWN, lost + ": the process has most likely ended, but its outcome"
            + " cannot be known here; give --report FILE (the application's lifecycle.reportFile) to read it");
      }
      Instant until = within(REPORT_FILE_WAIT, deadline);
      Optional<Map<String, Object>> written = ReportFile.awaitWrittenSince(report, began, until);
      if (written.isEmpty()) {
        throw new CliFailure(ExitCode.OUTCOME_UNKNOWN, lost + ", and " + report + " holds no report written since"
            + " the stop began: the outcome cannot be known");
      }
      return root.finishStop(written.get(), lost + "; the process ended, its report file " + report + " says:");
    }
  }

  /**
   * A control command, its name the endpoint's: sends it and prints that it was accepted, or, when the
   * command {@link #waits()}, sends it and waits for its end ({@link #sendAndWait}).
   */
  abstract static class Control implements Callable<Integer> {
    @ParentCommand
    QuiesceCli root;

    @Spec
    CommandSpec spec;

    @Option(names = "--reason", description = "why, for the log (and a stop's report)")
    String reason;

    /** Whether this run waits for the end ({@code --wait}); without it the command is only sent. */
    boolean waits() {
      return false;
    }

    /** Sends the command and waits for its end; the exit code. */
    Integer sendAndWait(ManagementClient client) {
      throw new IllegalStateException(spec.name() + " does not wait");
    }

    @Override
    public Integer call() {
      ManagementClient client = root.client(true);
      if (waits()) {
        return sendAndWait(client);
      }
      String command = spec.name();
      root.printAccepted(command, root.control(client, command, reason, root.deadline(DEFAULT_TIMEOUT)));
      return ExitCode.OK.code();
    }
  }

  /** {@code quiesce drain}. */
  @Command(name = "drain", description = "Stops taking new work (readiness down) until resume.")
  static final class Drain extends Control {
  }

  /** {@code quiesce resume}. */
  @Command(name = "resume", description = "Takes work again after drain.")
  static final class Resume extends Control {
  }

  /** {@code quiesce reload}. */
  @Command(name = "reload", description = "Re-reads the configuration and applies it.")
  static final class Reload extends Control {
    @Option(names = "--wait", description = "wait for the reload's outcome (POST /lifecycle/reload?wait=true);"
        + " exit 0 when done, 3 when partial or failed")
    private boolean await;

    @Override
    boolean waits() {
      return await;
    }

    @Override
    Integer sendAndWait(ManagementClient client) {
      Duration bound = root.timeout != null ? root.timeout : DEFAULT_TIMEOUT;
      if (bound.compareTo(MAX_SERVER_WAIT) > 0) {
        throw new CliFailure(ExitCode.USAGE, "reload --wait waits at most " + Timeouts.wire(MAX_SERVER_WAIT)
            + " (the management listener closes a connection idle for 120 s): give a shorter --timeout");
      }
      // the server answers 504 at the bound; the client waits a little longer for that answer
      Map<String, Object> event = root.control(client, "reload?wait=true&timeout=" + Timeouts.wire(bound), reason,
          Instant.now().plus(bound).plusSeconds(5));
      root.out.print(root.json ? Json.compact(event) + "\n" : Summaries.reload(event));
      return "done".equals(event.get("outcome")) ? ExitCode.OK.code() : ExitCode.FORCED.code();
    }
  }

  /** {@code quiesce upgrade}. */
  @Command(name = "upgrade", description = "Starts the successor (upgrade.command); this process stops once it is"
      + " ready.")
  static final class Upgrade extends Control {
    @Option(names = "--wait", description = "follow the events until the upgrade is done (exit 0) or failed (exit 3)")
    private boolean await;

    @Override
    boolean waits() {
      return await;
    }

    @Override
    Integer sendAndWait(ManagementClient client) {
      Instant deadline = root.deadline(DEFAULT_TIMEOUT);
      try (EventStream events = client.events(deadline)) {
        events.next(deadline); // the status: the stream is open, no event of this upgrade can be missed
        root.control(client, "upgrade", reason, deadline);
        root.err.println("upgrade accepted");
        while (true) {
          Item item = events.next(deadline);
          if (item instanceof Item.Event event && "upgrade".equals(event.name())) {
            String outcome = Json.string(event.data(), "outcome", "?");
            if ("started".equals(outcome)) {
              root.err.println(Summaries.progress(event.name(), event.data()));
              continue;
            }
            root.out.print(root.json ? event.rawData() + "\n" : Summaries.upgrade(event.data()));
            return "done".equals(outcome) ? ExitCode.OK.code() : ExitCode.FORCED.code();
          } else if (item instanceof Item.End end) {
            throw new CliFailure(ExitCode.OUTCOME_UNKNOWN, "the connection to " + client.base() + " was lost before"
                + " the upgrade's outcome came (" + end.error().orElse("the stream ended") + "): it cannot be known"
                + " here");
          } else if (item instanceof Item.TimedOut) {
            throw new CliFailure(ExitCode.TIMED_OUT, "no upgrade outcome within --timeout; the upgrade goes on");
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- fleet (a clustered node)

  /** How often {@code fleet <operation> --wait} reads {@code GET /fleet/status} (each read asks every node). */
  static final Duration FLEET_POLL = Duration.ofSeconds(1);
  /**
   * How often it reads near the end of a {@code restart} or {@code upgrade}: the node asked runs the operation,
   * stores the report once the last other step is done, then hands its own step over and goes; the report is
   * read from it, so the wait must read it in between.
   */
  static final Duration FLEET_POLL_LAST_STEP = Duration.ofMillis(200);
  /**
   * How long the wait keeps reading at {@link #FLEET_POLL_LAST_STEP} once it saw the operation stored as ended,
   * for the release of the lock that follows (a release that does not come is then read once a second).
   */
  static final Duration FLEET_ENDED_FAST_READS = Duration.ofSeconds(5);
  /** The bound on one {@code POST /fleet/<operation>} or {@code GET /fleet/status}: the node answers within 15 s. */
  static final Duration FLEET_REQUEST = Duration.ofSeconds(20);
  /** The least {@code --timeout} of {@code fleet <operation> --wait} when none is given. */
  public static final Duration FLEET_WAIT = Duration.ofMinutes(10);
  /** A node's {@code stepTimeout} when the request names none (framework-cluster's {@code FleetRequest}). */
  static final Duration FLEET_STEP_TIMEOUT = Duration.ofMinutes(2);
  /** The longest {@code --step-timeout} a node takes (framework-cluster's {@code FleetRequest}). */
  static final Duration FLEET_MAX_STEP_TIMEOUT = Duration.ofMinutes(30);

  /**
   * Whether {@code report} is of a {@code restart} or {@code upgrade} whose every step but the one of the node
   * that runs it ({@code runBy}, the last) has begun: when those have ended, that node stores the report, hands
   * its own step over and goes.
   */
  static boolean lastStepsUnderWay(Map<String, Object> report) {
    String operation = Json.string(report, "operation", "");
    if (!operation.equals("restart") && !operation.equals("upgrade")) {
      return false;
    }
    String runner = Json.string(report, "runBy", "");
    return Json.objects(report, "steps").stream().filter(step -> !runner.equals(step.get("nodeId")))
        .noneMatch(step -> "pending".equals(Json.string(step, "outcome", "pending")));
  }

  /**
   * The wait of {@code fleet <operation> --wait} before its next read, after one that answered: {@link
   * #FLEET_POLL_LAST_STEP} while the last steps of operation {@code id} are under way ({@code running}, the
   * operation the read named running) or for {@link #FLEET_ENDED_FAST_READS} after the read that first showed
   * it stored as ended; else {@link #FLEET_POLL}.
   *
   * @param sinceEnded how long ago a read first showed the operation stored as ended; null when none did yet
   */
  static Duration nextFleetRead(String id, Map<String, Object> running, Duration sinceEnded) {
    if (sinceEnded != null) {
      return sinceEnded.compareTo(FLEET_ENDED_FAST_READS) < 0 ? FLEET_POLL_LAST_STEP : FLEET_POLL;
    }
    return id.equals(running.get("id")) && lastStepsUnderWay(running) ? FLEET_POLL_LAST_STEP : FLEET_POLL;
  }

  /** {@code quiesce fleet}: without a subcommand, its usage. */
  @Command(name = "fleet", description = "A clustered node's fleet (framework-cluster): status, and rolling"
      + " reload, upgrade or restart of every node, asked of any node.",
      subcommands = {FleetStatusCommand.class, FleetOperationCommand.Reload.class,
          FleetOperationCommand.Upgrade.class, FleetOperationCommand.Restart.class})
  static final class Fleet implements Callable<Integer> {
    @ParentCommand
    QuiesceCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(root.out);
      return ExitCode.USAGE.code();
    }
  }

  /** {@code quiesce fleet status}. */
  @Command(name = "status", description = "Every node of the fleet: address, state, version, readiness, requests in"
      + " flight, children; the operation running and the last one.")
  static final class FleetStatusCommand implements Callable<Integer> {
    @ParentCommand
    Fleet fleet;

    @Override
    public Integer call() {
      QuiesceCli root = fleet.root;
      ManagementClient client = root.client(false);
      Answer answer = client.get("/fleet/status", root.deadline(DEFAULT_TIMEOUT));
      if (answer.status() != 200) {
        throw client.refused(answer, "fleet status");
      }
      root.out.print(root.json ? Json.compact(answer.json()) + "\n" : Summaries.fleetStatus(answer.json()));
      return ExitCode.OK.code();
    }
  }

  /**
   * {@code quiesce fleet reload|upgrade|restart}: {@code POST /fleet/<operation>}, which answers at once
   * with the operation's first report; with {@code --wait}, reads {@code GET /fleet/status} until that
   * operation has ended (its report is then the fleet's {@code lastOperation} and no longer its
   * {@code operation}), printing each step as it changes. When the node asked ran last and handed its own
   * restart or upgrade to its supervisor (the step {@code handed-over}), the wait goes on until a new node
   * is ready at that address. A node that does not answer meanwhile is asked again until {@code --timeout}.
   */
  abstract static class FleetOperationCommand implements Callable<Integer> {
    @ParentCommand
    Fleet fleet;

    @Spec
    CommandSpec spec;

    @Option(names = "--reason", description = "why, for each node's log and report")
    String reason;

    @Option(names = "--max-unavailable", paramLabel = "N", description = "nodes taken out at a time (default: the"
        + " node's, 1)")
    Integer maxUnavailable;

    @Option(names = "--step-timeout", paramLabel = "DURATION", converter = Timeouts.class, description = "bound on"
        + " each node's step: 90s, 2m, at most 30m (default: the node's, 2m)")
    Duration stepTimeout;

    @Option(names = "--wait", description = "follow the operation until it ends: exit 0 when done, 3 when it"
        + " failed (default --timeout: 10m, or more when the steps may take longer)")
    boolean await;

    /** {@code quiesce fleet reload}. */
    @Command(name = "reload", description = "A rolling reload: each node re-reads its configuration, one at a time"
        + " (--max-unavailable), the next once the one before is ready again.")
    static final class Reload extends FleetOperationCommand {
    }

    /** {@code quiesce fleet upgrade}. */
    @Command(name = "upgrade", description = "A rolling upgrade in place: each node's successor takes over its"
        + " listeners and the node leaves, one at a time.")
    static final class Upgrade extends FleetOperationCommand {
    }

    /** {@code quiesce fleet restart}. */
    @Command(name = "restart", description = "A rolling restart: each node stops and its supervisor (systemd)"
        + " starts it again, one at a time.")
    static final class Restart extends FleetOperationCommand {
    }

    @Override
    public Integer call() {
      QuiesceCli root = fleet.root;
      String operation = spec.name();
      if (maxUnavailable != null && maxUnavailable < 1) {
        throw new CliFailure(ExitCode.USAGE, "--max-unavailable must be at least 1, got " + maxUnavailable);
      }
      if (stepTimeout != null && (stepTimeout.isZero() || stepTimeout.compareTo(FLEET_MAX_STEP_TIMEOUT) > 0)) {
        throw new CliFailure(ExitCode.USAGE, "--step-timeout must be above 0 and at most "
            + FLEET_MAX_STEP_TIMEOUT.toMinutes() + " minutes, got " + Timeouts.wire(stepTimeout));
      }
      ManagementClient client = root.client(true);
      Instant began = Instant.now();
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      Optional.ofNullable(reason).ifPresent(r -> body.put("reason", r));
      Optional.ofNullable(maxUnavailable).ifPresent(n -> body.put("maxUnavailable", n));
      Optional.ofNullable(stepTimeout).ifPresent(t -> body.put("stepTimeout", Timeouts.wire(t)));
      // bounded by its own 20 s, not --timeout: the answer says whether the operation began
      Answer answer = client.post("/fleet/" + operation, Optional.of(Json.compact(body)),
          Instant.now().plus(FLEET_REQUEST));
      if (answer.status() / 100 != 2) {
        throw client.refused(answer, "fleet " + operation);
      }
      Map<String, Object> started = answer.json();
      String id = Json.string(started, "id", "");
      if (!await) {
        root.out.print(root.json ? Json.compact(started) + "\n" : "fleet " + operation + " accepted: " + id + "\n");
        return ExitCode.OK.code();
      }
      root.err.println("fleet " + operation + " accepted: " + id);
      return new FleetWait(root, client, id).follow(began.plus(root.timeout != null ? root.timeout
          : longestWait(started)));
    }

    /** The default bound of the wait: every round of steps at its step timeout, and a minute more; 10 min at least. */
    private Duration longestWait(Map<String, Object> started) {
      int steps = Json.objects(started, "steps").size();
      long perRound = Math.max(1, Json.number(started, "maxUnavailable", 1));
      Duration all = (stepTimeout != null ? stepTimeout : FLEET_STEP_TIMEOUT)
          .multipliedBy((steps + perRound - 1) / perRound).plusMinutes(1);
      return all.compareTo(FLEET_WAIT) > 0 ? all : FLEET_WAIT;
    }
  }

  /** The wait of {@code fleet <operation> --wait}: reads {@code GET /fleet/status} until the operation's end. */
  private static final class FleetWait {
    private final QuiesceCli root;
    private final ManagementClient client;
    private final String id;
    /** Each step's outcome last shown, by node id. */
    private final Map<String, String> shown = new java.util.HashMap<>();
    /** Each kind of failed read last said (a status code, or "unreachable"): said once until a read succeeds. */
    private String lastProblem = "";
    /** Reads in a row that named neither this operation running nor ended. */
    private int lost;

    FleetWait(QuiesceCli root, ManagementClient client, String id) {
      this.root = root;
      this.client = client;
      this.id = id;
    }

    int follow(Instant deadline) {
      Map<String, Object> ended = null;
      Instant endedSeen = null;
      while (true) {
        Optional<Map<String, Object>> status = read(deadline);
        // a node that does not answer is asked once a second, not at the pace of the end
        Duration next = FLEET_POLL;
        if (status.isPresent()) {
          Map<String, Object> running = Json.object(status.get(), "operation");
          Map<String, Object> last = Json.object(status.get(), "lastOperation");
          if (ended == null && id.equals(last.get("id"))) {
            ended = last;
            endedSeen = Instant.now();
          }
          if (ended != null && !id.equals(running.get("id"))) {
            // stored as lastOperation and no longer the operation: the lock is being released
            return finish(ended, deadline);
          }
          if (id.equals(running.get("id"))) {
            lost = 0;
            progress(running);
          } else if (ended == null && ++lost >= 2) {
            throw new CliFailure(ExitCode.OUTCOME_UNKNOWN, "fleet operation " + id + " is neither running nor the"
                + " last one at " + client.base() + " (running: " + running.getOrDefault("id", "none") + ", last: "
                + last.getOrDefault("id", "none") + "): its outcome cannot be known here");
          }
          // near the end the node asked may go soon after it stored the report, which is read from it
          next = nextFleetRead(id, running, endedSeen == null ? null : Duration.between(endedSeen, Instant.now()));
        }
        pause(deadline, next, "fleet operation " + id + " did not end within --timeout; it goes on (quiesce fleet status"
            + " shows it)");
      }
    }

    /** The operation's report is out: print it; a handed-over last step is followed until its node is back. */
    private int finish(Map<String, Object> report, Instant deadline) {
      progress(report);
      root.out.print(root.json ? Json.compact(report) + "\n" : Summaries.fleetOperation(report));
      if (!"done".equals(report.get("outcome"))) {
        return ExitCode.FORCED.code();
      }
      List<Map<String, Object>> steps = Json.objects(report, "steps");
      Optional<Map<String, Object>> handedOver = steps.stream()
          .filter(step -> "handed-over".equals(step.get("outcome"))).findFirst();
      if (handedOver.isEmpty()) {
        return ExitCode.OK.code();
      }
      String address = Json.string(handedOver.get(), "address", "?");
      String before = Json.string(handedOver.get(), "nodeId", "?");
      root.err.println("the node asked (" + address + ") handed its own " + Json.string(report, "operation", "?")
          + " to its supervisor: waiting until a new node is ready there");
      while (true) {
        Optional<Map<String, Object>> status = read(deadline);
        Optional<Map<String, Object>> back = status.stream().flatMap(s -> Json.objects(s, "nodes").stream())
            .filter(n -> address.equals(n.get("address")) && !before.equals(n.get("nodeId"))
                && Boolean.TRUE.equals(n.get("ready"))).findFirst();
        if (back.isPresent()) {
          root.out.println("  " + address + " back as node " + Json.string(back.get(), "nodeId", "?") + ", ready");
          return ExitCode.OK.code();
        }
        pause(deadline, FLEET_POLL, "no new node was ready at " + address + " within --timeout after its handed-over "
            + Json.string(report, "operation", "?") + " (is a supervisor restarting it?)");
      }
    }

    /** A line on stderr for each step whose outcome changed since the last read. */
    private void progress(Map<String, Object> report) {
      for (Map<String, Object> step : Json.objects(report, "steps")) {
        String outcome = Json.string(step, "outcome", "?");
        String key = Json.string(step, "nodeId", Json.string(step, "address", "?"));
        if (!outcome.equals(shown.put(key, outcome)) && !"pending".equals(outcome)) {
          root.err.println(Summaries.fleetStep(step));
        }
      }
    }

    /** One read of {@code GET /fleet/status}; a failed one is said once per kind, and empty. */
    private Optional<Map<String, Object>> read(Instant deadline) {
      Instant bound = within(FLEET_REQUEST, deadline);
      String problem;
      try {
        Answer answer = client.get("/fleet/status", bound);
        if (answer.status() == 200) {
          lastProblem = "";
          return Optional.of(answer.json());
        }
        problem = answer.status() + " " + Json.string(answer.json(), "error", answer.body());
      } catch (CliFailure unreachable) {
        problem = unreachable.getMessage();
      }
      String kind = problem.split(" ", 2)[0];
      if (!kind.equals(lastProblem) && Instant.now().isBefore(deadline)) {
        root.err.println("GET /fleet/status at " + client.base() + ": " + problem + "; asking again until --timeout");
        lastProblem = kind;
      }
      return Optional.empty();
    }

    /** Sleeps {@code interval}, or ends the wait with {@code timedOut} (exit 4) when that would pass the deadline. */
    private static void pause(Instant deadline, Duration interval, String timedOut) {
      if (!Instant.now().plus(interval).isBefore(deadline)) {
        throw new CliFailure(ExitCode.TIMED_OUT, timedOut);
      }
      try {
        Thread.sleep(interval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliFailure(ExitCode.FAILED, "interrupted");
      }
    }
  }
}
