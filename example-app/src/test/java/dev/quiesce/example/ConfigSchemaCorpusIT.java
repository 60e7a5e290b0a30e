package dev.quiesce.example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiesce.config.ConfigException;
import dev.quiesce.config.ConfigLoader;
import dev.quiesce.config.ConfigProblem;
import dev.quiesce.config.LoadedConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/config.schema.json} against the validator on every mutant of {@link ConfigurationCorpusIT}'s
 * corpus, each read as that test reads it (a file, through {@link ConfigLoader#load()}, in this JVM): the
 * schema accepts what the validator accepts and refuses what it refuses, but for the
 * {@link ConfigSchemaTest.Difference}s, each a rule a JSON Schema cannot state (README.md, Configuration,
 * "The JSON Schema").
 * A mutant that is not JSON at all is refused by both (no schema applies to it).
 */
@Tag("slow")
@ExtendWith(VertxExtension.class)
class ConfigSchemaCorpusIT {

  private static Vertx vertx;

  @TempDir
  static Path dir;

  /** The one Vert.x of the class, made and closed by {@link VertxExtension}. */
  @BeforeAll
  static void keepVertx(Vertx made) {
    vertx = made;
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void theSchemaAgreesWithTheValidatorOnEveryMutantOfTheCorpus() throws Exception {
    List<Verdict> verdicts = verdictsOfTheCorpus();
    Comparison c = compare(ConfigSchemaTest.validator(ConfigSchemaTest.schemaJson()), verdicts);
    System.out.printf("config schema vs validator: %d mutants of the corpus, %d agreements (%d accepted by both, %d"
        + " refused by both, %d of them not JSON at all), %d listed differences %s, %d unexplained%n", verdicts.size(),
        c.bothAccept + c.bothRefuse, c.bothAccept, c.bothRefuse, c.notJson, c.listed.values().stream()
            .mapToInt(Integer::intValue).sum(), c.listed, c.unexplained.size());
    c.listed.keySet().forEach(d -> System.out.printf("  %s: %s%n", d, d.why));
    assertThat(c.unexplained).as("mutants on which the schema and the validator disagree for no listed reason")
        .isEmpty();
    assertThat(c.bothAccept).isGreaterThan(100);
    assertThat(c.bothRefuse).isGreaterThan(verdicts.size() / 2);
  }

  /** The comparison fails when the schema falls behind: a range dropped from it shows as a difference. */
  @Test
  void aSchemaThatAcceptsTooMuchIsCaughtByTheCorpus() throws Exception {
    JsonObject loose = ConfigSchemaTest.schemaJson();
    loose.getJsonObject("properties").getJsonObject("http").getJsonObject("properties").getJsonObject("port")
        .remove("maximum");
    loose.getJsonObject("properties").getJsonObject("http").put("additionalProperties", true);
    Comparison c = compare(ConfigSchemaTest.validator(loose), verdictsOfTheCorpus());
    assertThat(c.unexplained).as("differences of a schema without http.port's maximum, open to unknown keys")
        .anyMatch(d -> d.contains("http.port")).anyMatch(d -> d.contains("is not a known key"));
  }

  // ---------------------------------------------------------------- the corpus

  /** What the validator said of one mutant of the corpus. */
  record Verdict(ConfigurationCorpusIT.Mutant mutant, boolean accepted, List<ConfigProblem> problems) {
  }

  private static List<Verdict> corpusVerdicts;

  /**
   * Each mutant of the corpus read as {@link ConfigurationCorpusIT} reads it: a file, through
   * {@link ConfigLoader#load()}.
   */
  private List<Verdict> verdictsOfTheCorpus() throws Exception {
    if (corpusVerdicts != null) {
      return corpusVerdicts;
    }
    JsonObject base = ConfigurationCorpusIT.withEveryHealthProbe(new JsonObject(Files.readString(Path.of(
        "conf/config.json"))));
    List<ConfigurationCorpusIT.Mutant> corpus = new ConfigurationCorpusIT.Corpus(base,
        new Random(ConfigurationCorpusIT.SEED)).build();
    List<Verdict> out = new ArrayList<>();
    for (int i = 0; i < corpus.size(); i++) {
      ConfigurationCorpusIT.Mutant m = corpus.get(i);
      Path file = dir.resolve("config-" + i + ".json");
      Files.writeString(file, m.text(), StandardCharsets.UTF_8);
      try {
        LoadedConfig loaded = new ConfigLoader(vertx, file.toString(), Map.of(), new Properties()).load()
            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        out.add(new Verdict(m, loaded != null, List.of()));
      } catch (ExecutionException e) {
        assertThat(e.getCause()).as("mutant #%d %s", i, m.what()).isInstanceOf(ConfigException.class);
        out.add(new Verdict(m, false, ((ConfigException) e.getCause()).problems()));
      } finally {
        Files.deleteIfExists(file);
      }
    }
    corpusVerdicts = out;
    return out;
  }

  /** How the schema's answers compare with the validator's. */
  static final class Comparison {
    int bothAccept;
    int bothRefuse;
    int notJson;
    final Map<ConfigSchemaTest.Difference, Integer> listed = new TreeMap<>();
    final List<String> unexplained = new ArrayList<>();
  }

  private static Comparison compare(Validator schema, List<Verdict> verdicts) {
    Comparison c = new Comparison();
    for (int i = 0; i < verdicts.size(); i++) {
      Verdict v = verdicts.get(i);
      Object document;
      try {
        document = Json.decodeValue(Buffer.buffer(v.mutant().text().getBytes(StandardCharsets.UTF_8)));
      } catch (DecodeException e) {
        // not JSON: no schema applies; the validator refused it too, or the difference says so
        if (v.accepted()) {
          c.unexplained.add("#" + i + " " + v.mutant().what() + ": accepted by the validator but not JSON");
        } else {
          c.bothRefuse++;
          c.notJson++;
        }
        continue;
      }
      OutputUnit result = schema.validate(document);
      boolean valid = result.getValid();
      String what = "#" + i + " " + v.mutant().what() + " at " + v.mutant().path();
      if (valid && v.accepted()) {
        c.bothAccept++;
      } else if (!valid && !v.accepted()) {
        c.bothRefuse++;
      } else if (!valid) {
        c.unexplained.add(what + ": accepted by the validator, refused by the schema: " + describe(result));
      } else {
        List<ConfigSchemaTest.Difference> why = new ArrayList<>();
        List<ConfigProblem> unexplained = new ArrayList<>();
        for (ConfigProblem p : v.problems()) {
          ConfigSchemaTest.Difference d = ConfigSchemaTest.Difference.of(p, valueAt(document, p.path()));
          if (d == null) {
            unexplained.add(p);
          } else {
            why.add(d);
          }
        }
        if (unexplained.isEmpty()) {
          why.stream().distinct().forEach(d -> c.listed.merge(d, 1, Integer::sum));
        } else {
          c.unexplained.add(what + ": refused by the validator, accepted by the schema: " + unexplained);
        }
      }
    }
    return c;
  }

  private static String describe(OutputUnit result) {
    List<OutputUnit> errors = result.getErrors() == null ? List.of() : result.getErrors();
    return errors.stream().limit(6).map(e -> e.getInstanceLocation() + " " + e.getKeywordLocation() + ": " + e.getError())
        .collect(Collectors.joining("; "));
  }

  /** The value at a JSON path as ConfigReader writes it ({@code processes[0].ready.timeout}), or null. */
  static Object valueAt(Object document, String path) {
    Object node = document;
    Matcher m = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)\\]").matcher(path);
    while (m.find() && node != null) {
      if (m.group(1) != null) {
        node = node instanceof JsonObject o ? o.getValue(m.group(1)) : null;
      } else {
        int i = Integer.parseInt(m.group(2));
        node = node instanceof JsonArray a && i < a.size() ? a.getValue(i) : null;
      }
    }
    return node;
  }
}
