package dev.quiesce.launcher.impl;

import dev.quiesce.launcher.UpgradeConfig;
import dev.quiesce.lifecycle.UpgradeFailedException;
import dev.quiesce.lifecycle.UpgradeHandover;
import dev.quiesce.lifecycle.Upgrader;
import dev.quiesce.systemd.SdNotify;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's {@link Upgrader}: starts the successor (the same command line as this JVM, or
 * {@code upgrade.command}) in a session of its own, and waits for its {@code ready} over a Unix
 * domain socket in {@code upgrade.stateDir}.
 *
 * <p>The successor runs as {@code setsid sh -c '{ <command>; echo <exit code>; } 2>&1 | tee -p /dev/stderr'}:
 * its output goes to this JVM's stdout (so after the handover it still reaches the terminal or the
 * journal) and, through a pipe, to this JVM, which keeps the last {@value #KEPT_LINES} lines for a
 * failed upgrade's event ({@code tee -p} goes on writing to stdout once this JVM has exited). It is
 * not started through the process manager, so no parent-death signal, guardian or sweep ends it.
 *
 * <p>Rollback: when the successor exits, is not ready within {@code upgrade.timeout}, or a stop comes,
 * its process group gets TERM, then KILL after {@link #END_GRACE} (its own children, in sessions of
 * their own, are ended by its stop or by its parent-death guard and guardian).
 */
final class SuccessorUpgrader implements Upgrader {

  static final int KEPT_LINES = 20;
  static final Duration END_GRACE = Duration.ofSeconds(10);
  private static final int MAX_LINE_CHARS = 500;
  private static final String EXIT_MARK = "quiesce-upgrade: the successor exited with code ";
  private static final Pattern EXIT_LINE = Pattern.compile(Pattern.quote(EXIT_MARK) + "(\\d+)");
  private static final String SCRIPT = "{ \"$@\"; echo \"" + EXIT_MARK + "$?\"; } 2>&1 | tee -p /dev/stderr";
  private static final Logger LOG = LoggerFactory.getLogger("quiesce.upgrade");

  private final String[] programArgs;
  private final ListenerSharing sharing;
  private final UpgradeHandover handover;
  private final AtomicInteger attempts = new AtomicInteger();
  private volatile UpgradeConfig config;
  private volatile Attempt current;

  SuccessorUpgrader(String[] programArgs, ListenerSharing sharing, UpgradeHandover handover, UpgradeConfig config) {
    this.programArgs = programArgs.clone();
    this.sharing = sharing;
    this.handover = handover;
    this.config = config;
  }

  /** A reload's new {@code upgrade} section, used from the next upgrade on. */
  void configure(UpgradeConfig next) {
    this.config = next;
  }

  @Override
  public Optional<String> unavailable() {
    if (sharing.whyNot().isPresent()) {
      return sharing.whyNot();
    }
    Path dir = config.stateDir();
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException | RuntimeException e) {
      return Optional.of("the state directory " + dir + " (upgrade.stateDir) cannot be created: " + e);
    }
    if (!Files.isWritable(dir)) {
      return Optional.of("the state directory " + dir + " (upgrade.stateDir) cannot be written");
    }
    try {
      // the access check may say yes where no file can be made (root on /sys, a security module): try one
      Files.delete(Files.createTempFile(dir, ".upgrade-probe-", ""));
    } catch (IOException | RuntimeException e) {
      return Optional.of("the state directory " + dir + " (upgrade.stateDir) cannot be written: " + e);
    }
    return Optional.empty();
  }

  @Override
  public Future<Long> upgrade(String reason, LongConsumer started) {
    UpgradeConfig cfg = config;
    List<String> command = cfg.configuredCommand().orElseGet(() -> SuccessorCommand.sameAsThisProcess(programArgs));
    Attempt attempt = new Attempt(cfg, command);
    current = attempt;
    // kept after success: a stop that reaches the coordinator before the success does ends it (abort)
    return attempt.start(started).onFailure(e -> current = null);
  }

  @Override
  public Future<Void> abort(String reason) {
    Attempt attempt = current;
    if (attempt != null) {
      attempt.abort("a stop came during the upgrade (" + reason + ")");
    }
    return Future.succeededFuture();
  }

  /** Where an attempt is: waiting for the successor's {@code ready}, the successor accepted, or failed (rolled back). */
  private enum Outcome { PENDING, ACCEPTED, FAILED }

  /** One successor: its process, the socket it answers on, its output, its deadline. */
  private final class Attempt {
    private final UpgradeConfig cfg;
    private final List<String> command;
    private final Path socket;
    private final Promise<Long> ready = Promise.promise();
    private final AtomicReference<Outcome> outcome = new AtomicReference<>(Outcome.PENDING);
    private final Deque<String> lastLines = new ArrayDeque<>();
    private ServerSocketChannel server;
    private Process process;
    private Thread outputReader;

    Attempt(UpgradeConfig cfg, List<String> command) {
      this.cfg = cfg;
      this.command = command;
      this.socket = cfg.stateDir().resolve("upgrade-" + ProcessHandle.current().pid() + "-"
          + attempts.incrementAndGet() + ".sock");
    }

    Future<Long> start(LongConsumer started) {
      try {
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        List<String> argv = new ArrayList<>(List.of("setsid", "/bin/sh", "-c", SCRIPT, "quiesce-successor"));
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.PIPE);
        pb.environment().put(Handover.ENV_FROM, String.valueOf(ProcessHandle.current().pid()));
        pb.environment().put(Handover.ENV_SOCKET, socket.toString());
        pb.environment().put(Handover.ENV_DEADLINE, String.valueOf(System.currentTimeMillis() + cfg.timeout().toMillis()));
        // the successor pings systemd's watchdog itself once it is the main process
        pb.environment().remove("WATCHDOG_PID");
        int held = ListenerSteering.steerToSelf();
        LOG.info("upgrade: starting the successor: {} (handover socket {}, timeout {} ms); new connections on {}"
            + " listening port(s) stay with this process until it is ready", command, socket, cfg.timeout().toMillis(),
            held);
        process = pb.start();
      } catch (IOException | RuntimeException e) {
        closeSocket();
        ListenerSteering.detach();
        return Future.failedFuture(new UpgradeFailedException("could not start the successor " + command + ": " + e,
            List.of()));
      }
      started.accept(process.pid());
      outputReader = daemon("quiesce-upgrade-output", this::readOutput);
      daemon("quiesce-upgrade-handover", this::acceptReady);
      process.onExit().thenRun(() -> fail(exitReason()));
      CompletableFuture.delayedExecutor(cfg.timeout().toMillis(), TimeUnit.MILLISECONDS)
          .execute(() -> fail("the successor was not ready within " + cfg.timeout().toMillis() + " ms (upgrade.timeout)"));
      return ready.future();
    }

    private Thread daemon(String name, Runnable body) {
      Thread t = new Thread(body, name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    private void readOutput() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (lastLines) {
            lastLines.addLast(line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "…" : line);
            if (lastLines.size() > KEPT_LINES) {
              lastLines.removeFirst();
            }
          }
        }
      } catch (IOException e) {
        // this JVM stops reading when the upgrade is over; the successor's output goes on to stdout
      }
    }

    private List<String> lastLines() {
      synchronized (lastLines) {
        return List.copyOf(lastLines);
      }
    }

    /** Accepts connections until the successor's JVM says {@code ready} from the successor's session. */
    private void acceptReady() {
      while (outcome.get() == Outcome.PENDING) {
        SocketChannel client = null;
        try {
          client = server.accept();
          String line = Handover.readLine(client).orElse("");
          String[] f = line.split(" ");
          if (f.length == 3 && f[0].equals("ready") && f[2].equals(String.valueOf(process.pid()))) {
            long pid = Long.parseLong(f[1]);
            if (succeed(pid)) {
              client.write(ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.US_ASCII)));
              keepForReleases(client);
              client = null;
            } else {
              client.write(ByteBuffer.wrap("refused: the upgrade is over\n".getBytes(StandardCharsets.US_ASCII)));
            }
            return;
          }
          LOG.warn("upgrade: ignored a handover message not from the successor's session {}: {}", process.pid(),
              line);
          client.write(ByteBuffer.wrap(("refused: not the successor's session " + process.pid() + "\n")
              .getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException | RuntimeException e) {
          if (outcome.get() == Outcome.PENDING) {
            LOG.warn("upgrade: the handover socket {} failed: {}", socket, e.toString());
          }
          return;
        } finally {
          closeQuietly(client);
        }
      }
    }

    /**
     * The connection stays open until this process exits: each group this process's stop releases
     * goes to the successor as {@code released <name>\n} (non-blocking: a line that does not fit in the
     * socket's buffer is logged and dropped; the successor then waits for this process's exit).
     */
    private void keepForReleases(SocketChannel client) throws IOException {
      client.configureBlocking(false);
      handover.forwardReleases(name -> {
        ByteBuffer line = ByteBuffer.wrap((Handover.RELEASED + name + "\n").getBytes(StandardCharsets.UTF_8));
        try {
          synchronized (client) {
            client.write(line);
          }
        } catch (IOException e) {
          LOG.warn("upgrade: could not tell the successor that {} is released: {}", name, e.toString());
          return;
        }
        if (line.hasRemaining()) {
          LOG.warn("upgrade: could not tell the successor that {} is released: the handover socket is full", name);
        } else {
          LOG.info("upgrade: told the successor that {} is released", name);
        }
      });
    }

    private void closeQuietly(SocketChannel client) {
      if (client != null) {
        try {
          client.close();
        } catch (IOException e) {
          // nothing was promised on it
        }
      }
    }

    private boolean succeed(long pid) {
      if (!outcome.compareAndSet(Outcome.PENDING, Outcome.ACCEPTED)) {
        return false;
      }
      closeSocket();
      int steered = ListenerSteering.steerToSuccessor();
      LOG.info("upgrade: new connections on {} listening port(s) now go to the successor; this process accepts"
          + " what is already queued and drains", steered);
      // under systemd the successor becomes the main process: told by this one, the main process, so
      // NotifyAccess=main suffices and this process's own stop is no longer taken for the service's
      SdNotify.fromEnvironment().ifPresent(n -> n.send("MAINPID=" + pid, "STATUS=upgraded: pid " + pid + " took over"));
      ready.complete(pid);
      return true;
    }

    private String exitReason() {
      waitForOutput();
      for (String line : lastLines()) {
        Matcher m = EXIT_LINE.matcher(line);
        if (m.matches()) {
          return "the successor exited with code " + m.group(1) + " before it was ready";
        }
      }
      return "the successor's process ended before it was ready";
    }

    private void waitForOutput() {
      try {
        outputReader.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * A stop came: fails the upgrade as {@link #fail} does, or, when the successor was accepted an
     * instant before (the coordinator has not yet acted on it), ends it all the same: the stop asked
     * for is the service's, not only this process's.
     */
    void abort(String why) {
      fail(why);
      if (outcome.get() == Outcome.ACCEPTED) {
        LOG.warn("upgrade: {} just after the successor was accepted: ending the successor too", why);
        // systemd was told the successor is the main process: this one is again, and it stops
        SdNotify.fromEnvironment().ifPresent(n -> n.send("MAINPID=" + ProcessHandle.current().pid(), "STOPPING=1",
            "STATUS=stopping; the successor accepted an instant before the stop is ended"));
        daemon("quiesce-upgrade-abort", this::endGroup);
      }
    }

    /** Ends the successor's process group (TERM, then KILL after the grace) and fails the upgrade with {@code why}. */
    void fail(String why) {
      if (!outcome.compareAndSet(Outcome.PENDING, Outcome.FAILED)) {
        return;
      }
      closeSocket();
      daemon("quiesce-upgrade-rollback", () -> {
        endGroup();
        ListenerSteering.detach(); // the kernel's hash again, among this process's sockets
        waitForOutput();
        ready.fail(new UpgradeFailedException(why, lastLines()));
      });
    }

    private void endGroup() {
      List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
      all.add(process.toHandle());
      if (all.stream().noneMatch(ProcessHandle::isAlive)) {
        return;
      }
      LOG.warn("upgrade: ending the successor's process group {} (TERM, KILL after {} ms)", process.pid(),
          END_GRACE.toMillis());
      signalGroup("TERM");
      if (!awaitGone(all, END_GRACE)) {
        signalGroup("KILL");
        all.forEach(ProcessHandle::destroyForcibly);
        awaitGone(all, Duration.ofSeconds(5));
      }
    }

    private void signalGroup(String signal) {
      try {
        Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + process.pid())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        kill.waitFor(5, TimeUnit.SECONDS);
      } catch (IOException e) {
        LOG.warn("upgrade: could not send {} to the successor's group {}: {}", signal, process.pid(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private boolean awaitGone(List<ProcessHandle> processes, Duration bound) {
      long deadline = System.nanoTime() + bound.toNanos();
      for (ProcessHandle p : processes) {
        long left = deadline - System.nanoTime();
        try {
          if (left <= 0) {
            return processes.stream().noneMatch(ProcessHandle::isAlive);
          }
          p.onExit().get(left, TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          return processes.stream().noneMatch(ProcessHandle::isAlive);
        }
      }
      return true;
    }

    private void closeSocket() {
      try {
        if (server != null) {
          server.close();
        }
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        LOG.warn("upgrade: could not remove the handover socket {}: {}", socket, e.toString());
      }
    }
  }
}
