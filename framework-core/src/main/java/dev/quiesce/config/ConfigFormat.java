package dev.quiesce.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The format of a configuration file, chosen by the file's extension (without regard to case).
 * Both are read into the same JSON document and validated by the same rules, so an error names the
 * same JSON path ({@code lifecycle.phases[1].timeout}) whichever format the file is in.
 */
public enum ConfigFormat {
  /** {@code .json}: read with vertx-config's {@code json} format. */
  JSON("json", ".json"),
  /**
   * {@code .yaml} or {@code .yml}: read with vertx-config-yaml (SnakeYAML, YAML 1.1, safe constructor:
   * no tags that build Java objects). Unquoted {@code yes}/{@code no}/{@code on}/{@code off} are booleans
   * and {@code 1:30} is the number 90 in YAML 1.1: quote such strings.
   */
  YAML("yaml", ".yaml", ".yml");

  private final String storeFormat;
  private final List<String> extensions;

  ConfigFormat(String storeFormat, String... extensions) {
    this.storeFormat = storeFormat;
    this.extensions = List.of(extensions);
  }

  /**
   * The {@code format} of a vertx-config file store that reads this format.
   *
   * @return the store's format name
   */
  public String storeFormat() {
    return storeFormat;
  }

  /**
   * The file name extensions of this format, with their dot, lower case.
   *
   * @return an unmodifiable list
   */
  public List<String> extensions() {
    return extensions;
  }

  /**
   * The format of a file by its extension (case does not matter).
   *
   * @param file the file's path
   * @return the format, or empty when the extension is none of {@link #accepted()}
   */
  public static Optional<ConfigFormat> of(Path file) {
    Path name = file.getFileName();
    String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(f -> f.extensions.stream().anyMatch(lower::endsWith)).findFirst();
  }

  /**
   * Every accepted extension, for messages that say what to use.
   *
   * @return the extensions joined with commas: {@code .json, .yaml, .yml}
   */
  public static String accepted() {
    return String.join(", ", Arrays.stream(values()).flatMap(f -> f.extensions.stream()).toList());
  }
}
