package dev.quiesce.web.impl;

import dev.quiesce.config.ConfigReader;
import dev.quiesce.config.Durations;
import dev.quiesce.web.ManagementConfig;
import dev.quiesce.web.ManagementTls;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.X509KeyManager;

/**
 * Reads the files the {@code management} section names: the token of {@code tokenFile} and the PEM
 * files of {@code tls}, checked as the listener will use them (the key and certificate load, the key
 * belongs to the certificate, the trust file holds a certificate). Blocking, bounded: the files are
 * read on a thread of their own and the caller waits at most {@link #READ_TIMEOUT} for them, then
 * parses and checks them (CPU work only); call it on a worker thread, never an event loop. Used
 * twice for one start or reload: by the launcher's validation (so a bad file exits 78 or refuses the
 * reload before anything changes) and by the listener, which reads the files again and uses what it
 * read itself (so the key and certificate it serves are the ones it checked, even when they were
 * rotated between the two reads; a rotation that breaks them then fails the listener's part of the
 * reload, reported as partial). Each read is bounded by {@link #READ_TIMEOUT}.
 */
public final class ManagementFiles {

  /** How long reading all the files may take before it is given up (a hung network mount). */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
  /** A PEM or token file larger than this is refused: it is not what the key names. */
  static final int MAX_FILE_SIZE = 1 << 20;

  /**
   * What the files hold.
   *
   * @param token the token of {@code tokenFile}, trimmed; empty without a token file
   * @param tokenFileReadableByOthers whether the token file's permissions let every user read it
   * @param ssl the TLS options for the listener, built from the files' contents; empty without {@code tls}
   */
  public record Contents(Optional<String> token, boolean tokenFileReadableByOthers, Optional<ServerSSLOptions> ssl) {
  }

  private record Problem(String key, String message) {
  }

  private ManagementFiles() {
  }

  /**
   * Reads the files of {@code config}, recording each problem in {@code management} (a reader of
   * the {@code management} section) under the key that names the file ({@code tokenFile},
   * {@code tls.keyFile} …); the message names the file. Never throws for bad files.
   */
  public static Contents read(ManagementConfig config, ConfigReader management) {
    if (config.tokenFile().isEmpty() && config.tls().isEmpty()) {
      return new Contents(Optional.empty(), false, Optional.empty());
    }
    List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Raw> reading = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try {
        reading.complete(readRaw(config, problems));
      } catch (RuntimeException e) {
        reading.completeExceptionally(e);
      }
    }, "quiesce-management-files");
    reader.setDaemon(true);
    reader.start();
    String first = config.tokenFile().isPresent() ? "tokenFile" : ManagementTls.KEY;
    Raw raw;
    try {
      raw = reading.get(READ_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      reader.interrupt();
      management.problem(first, "could not be read within " + Durations.format(READ_TIMEOUT)
          + ": the file system does not answer (a hung network mount?)");
      return new Contents(Optional.empty(), false, Optional.empty());
    } catch (ExecutionException e) {
      management.problem(first, "could not be read: " + e.getCause());
      return new Contents(Optional.empty(), false, Optional.empty());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      management.problem(first, "could not be read: interrupted");
      return new Contents(Optional.empty(), false, Optional.empty());
    }
    // the parsing and the key check are CPU work (slow only the first time, as the JDK loads its
    // security providers): done here, outside the bound on the file system
    Contents contents = check(config, raw, problems);
    synchronized (problems) {
      problems.forEach(p -> management.problem(p.key(), p.message()));
    }
    return contents;
  }

  /**
   * {@link #read(ManagementConfig, ConfigReader)} for the listener, which was not necessarily started
   * by the launcher: the problems are thrown.
   *
   * @throws dev.quiesce.config.ConfigException naming {@code management.<key>} and the file of every problem
   */
  public static Contents readOrThrow(ManagementConfig config) {
    ConfigReader management = ConfigReader.at(ManagementConfig.SECTION, new JsonObject());
    Contents contents = read(config, management);
    management.throwIfProblems();
    return contents;
  }

  /** The files' bytes, read on the bounded thread; a file that cannot be read is empty (and a problem). */
  private record Raw(Optional<byte[]> token, boolean tokenReadableByOthers, Optional<byte[]> key,
      Optional<byte[]> cert, Optional<byte[]> trust) {
  }

  private static final String KEY_FILE = ManagementTls.KEY + ".keyFile";
  private static final String CERT_FILE = ManagementTls.KEY + ".certFile";
  private static final String TRUST_FILE = ManagementTls.KEY + ".trustFile";

  private static Raw readRaw(ManagementConfig config, List<Problem> problems) {
    Optional<byte[]> token = config.tokenFile().flatMap(file -> bytes(file, "tokenFile", problems));
    boolean readableByOthers = token.isPresent() && readableByOthers(config.tokenFile().get());
    Optional<ManagementTls> tls = config.tls();
    return new Raw(token, readableByOthers,
        tls.flatMap(t -> bytes(t.keyFile(), KEY_FILE, problems)),
        tls.flatMap(t -> bytes(t.certFile(), CERT_FILE, problems)),
        tls.flatMap(ManagementTls::trustFile).flatMap(t -> bytes(t, TRUST_FILE, problems)));
  }

  private static Contents check(ManagementConfig config, Raw raw, List<Problem> problems) {
    Optional<String> token = raw.token().flatMap(content -> token(config.tokenFile().get(), content, problems));
    Optional<ServerSSLOptions> ssl = config.tls().flatMap(tls -> ssl(tls, raw, problems));
    return new Contents(token, token.isPresent() && raw.tokenReadableByOthers(), ssl);
  }

  private static Optional<String> token(Path file, byte[] content, List<Problem> problems) {
    String token = new String(content, StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      problems.add(new Problem("tokenFile", file + " is empty"));
      return Optional.empty();
    }
    Optional<String> why = TokenRule.whyNot(token);
    why.ifPresent(w -> problems.add(new Problem("tokenFile", "the token in " + file + " " + w)));
    return why.isPresent() ? Optional.empty() : Optional.of(token);
  }

  private static boolean readableByOthers(Path file) {
    try {
      return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static Optional<ServerSSLOptions> ssl(ManagementTls tls, Raw raw, List<Problem> problems) {
    Optional<byte[]> key = raw.key();
    Optional<byte[]> cert = raw.cert();
    Optional<byte[]> trust = raw.trust();
    if (key.isEmpty() || cert.isEmpty() || (tls.trustFile().isPresent() && trust.isEmpty())) {
      return Optional.empty();
    }
    Optional<String> whyNotCert = whyNoCertificate(cert.get());
    if (whyNotCert.isPresent()) {
      problems.add(new Problem(CERT_FILE, tls.certFile() + ": " + whyNotCert.get()));
      return Optional.empty();
    }
    PemKeyCertOptions keyCert = new PemKeyCertOptions().setKeyValue(Buffer.buffer(key.get()))
        .setCertValue(Buffer.buffer(cert.get()));
    Optional<String> why = whyKeyCertUnusable(keyCert);
    if (why.isPresent()) {
      problems.add(new Problem(KEY_FILE, tls.keyFile() + ": " + why.get() + " " + tls.certFile()));
      return Optional.empty();
    }
    ServerSSLOptions options = new ServerSSLOptions().setKeyCertOptions(keyCert).setClientAuth(tls.clientAuth());
    if (trust.isPresent()) {
      Optional<String> whyNotTrust = whyNoCertificate(trust.get());
      if (whyNotTrust.isPresent()) {
        problems.add(new Problem(TRUST_FILE, tls.trustFile().get() + ": " + whyNotTrust.get()));
        return Optional.empty();
      }
      options.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(trust.get())));
    }
    return Optional.of(options);
  }

  /** Why {@code pem} holds no X.509 certificate, or empty when it holds at least one. */
  private static Optional<String> whyNoCertificate(byte[] pem) {
    try {
      return CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem)).isEmpty()
          ? Optional.of("holds no PEM certificate") : Optional.empty();
    } catch (CertificateException e) {
      return Optional.of("is not a PEM certificate: " + e.getMessage());
    }
  }

  /**
   * Why Vert.x cannot use the key and certificate, or the key does not belong to the certificate:
   * a random challenge signed with the key must verify with the certificate's public key.
   */
  private static Optional<String> whyKeyCertUnusable(PemKeyCertOptions keyCert) {
    KeyStore store;
    X509KeyManager keys;
    try {
      // values only, no paths: Vert.x reads nothing through the Vert.x instance it is given
      store = keyCert.loadKeyStore(null);
      keys = Arrays.stream(keyCert.getKeyManagerFactory(null).getKeyManagers())
          .filter(X509KeyManager.class::isInstance).map(X509KeyManager.class::cast).findFirst().orElseThrow();
    } catch (Exception e) {
      return Optional.of("cannot be loaded as a PEM private key (" + e.getMessage() + ") for the certificate in");
    }
    try {
      for (String alias : Collections.list(store.aliases())) {
        PrivateKey key = keys.getPrivateKey(alias);
        X509Certificate[] chain = keys.getCertificateChain(alias);
        if (key != null && chain != null && chain.length > 0) {
          return belongs(key, chain[0]) ? Optional.empty()
              : Optional.of("the private key does not belong to the certificate (the certificate's public key does"
                  + " not verify a signature made with it) in");
        }
      }
      return Optional.of("holds no private key for the certificate in");
    } catch (GeneralSecurityException e) {
      return Optional.of("cannot be checked (" + e.getMessage() + ") against the certificate in");
    }
  }

  private static boolean belongs(PrivateKey key, Certificate cert) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      case "Ed448" -> "Ed448";
      case "DSA" -> "SHA256withDSA";
      default -> null;
    };
    if (algorithm == null) {
      // an algorithm this check does not know: the TLS handshake is the judge
      return true;
    }
    byte[] challenge = new byte[32];
    new SecureRandom().nextBytes(challenge);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(challenge);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    try {
      verifier.initVerify(cert.getPublicKey());
    } catch (GeneralSecurityException e) {
      // e.g. an EC key with an RSA certificate
      return false;
    }
    verifier.update(challenge);
    return verifier.verify(signature);
  }

  /** The content of {@code file}; empty (and a problem under {@code key}) when it cannot be read. */
  private static Optional<byte[]> bytes(Path file, String key, List<Problem> problems) {
    try {
      if (!Files.exists(file)) {
        problems.add(new Problem(key, file + ": no such file"));
        return Optional.empty();
      }
      if (!Files.isRegularFile(file)) {
        problems.add(new Problem(key, file + " is not a regular file"));
        return Optional.empty();
      }
      if (Files.size(file) > MAX_FILE_SIZE) {
        problems.add(new Problem(key, file + " is larger than " + MAX_FILE_SIZE + " bytes"));
        return Optional.empty();
      }
      return Optional.of(Files.readAllBytes(file));
    } catch (IOException e) {
      String reason = e instanceof AccessDeniedException ? "permission denied"
          : e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString();
      problems.add(new Problem(key, file + " cannot be read: " + reason));
      return Optional.empty();
    }
  }
}
