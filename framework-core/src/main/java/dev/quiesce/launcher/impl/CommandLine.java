package dev.quiesce.launcher.impl;

/** The launcher's command line: {@code --config PATH}, {@code --help}. */
record CommandLine(String configFile, boolean help) {

  static final String USAGE = """
      usage: java -jar <app>.jar [--config PATH] [--help]
        --config PATH   the JSON configuration (default: conf/config.json, if it exists)
        --help          print this text and exit
      Overrides: -Dquiesce.<path>=VALUE and QUIESCE_<PATH>=VALUE, e.g. QUIESCE_LIFECYCLE_SHUTDOWNTIMEOUT=45s""";

  /** @throws IllegalArgumentException naming the argument that is wrong */
  static CommandLine parse(String[] args) {
    String config = null;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ("--help".equals(arg) || "-h".equals(arg)) {
        help = true;
      } else if ("--config".equals(arg)) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new IllegalArgumentException("--config needs a path");
        }
        config = args[++i];
      } else if (arg.startsWith("--config=")) {
        config = arg.substring("--config=".length());
        if (config.isEmpty()) {
          throw new IllegalArgumentException("--config needs a path");
        }
      } else {
        throw new IllegalArgumentException("unknown argument \"" + arg + "\"");
      }
    }
    return new CommandLine(config, help);
  }
}
