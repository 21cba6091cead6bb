package com.pulso.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the configuration layers: {@code application.yaml} (every key and its default), then
 * {@code <profile>.yaml}, then environment variables ({@code PULSO_} + the key path in upper snake
 * case). It runs before Vert.x exists, because the clustered Vert.x instance is built from it; so it
 * reads the YAML itself instead of through a Vert.x ConfigRetriever.
 */
public final class ConfigLoader {

  public static final String PROFILE_ENV = "PULSO_PROFILE";
  public static final String CONF_DIR_ENV = "PULSO_CONF_DIR";
  /** Read by the {@code ./pulso} launcher, not by the server. */
  public static final String SKIP_BUILD_ENV = "PULSO_SKIP_BUILD";
  /** The admin key (api.adminKey) by a shorter name, as an operator would look for it. */
  public static final String ADMIN_KEY_ENV = "PULSO_ADMIN_KEY";
  static final String ENV_PREFIX = "PULSO_";

  private ConfigLoader() {}

  /** Loads and validates the configuration for the profile named by {@code PULSO_PROFILE}. */
  public static PulsoConfig load(Path confDir, Map<String, String> env) {
    String profile = env.getOrDefault(PROFILE_ENV, "local").trim();
    if (!profile.matches("[a-z][a-z0-9-]*")) {
      throw new ConfigException(PROFILE_ENV + ": '" + profile + "' is not a profile name (e.g. local, aws)");
    }
    JsonObject defaults = readYaml(confDir.resolve("application.yaml"), true);
    Path profileFile = confDir.resolve(profile + ".yaml");
    if (!Files.exists(profileFile)) {
      throw new ConfigException(PROFILE_ENV + ": profile '" + profile + "' has no file " + profileFile);
    }
    JsonObject merged = defaults.copy();
    overlay(merged, readYaml(profileFile, false), "", profileFile);
    Set<String> known = new HashSet<>(Set.of(PROFILE_ENV, CONF_DIR_ENV, SKIP_BUILD_ENV, ADMIN_KEY_ENV));
    applyEnvironment(merged, "", env, known);
    if (env.containsKey(ADMIN_KEY_ENV)) {
      merged.getJsonObject("api").put("adminKey", env.get(ADMIN_KEY_ENV));
    }
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith(ENV_PREFIX) && !known.contains(name)) {
        throw new ConfigException(name + ": no configuration key has this variable (keys are in application.yaml;"
            + " http.port is set by PULSO_HTTP_PORT)");
      }
    }
    return PulsoConfig.from(profile, merged);
  }

  /** The conventional location: {@code PULSO_CONF_DIR}, else {@code conf/} of the working directory. */
  public static Path confDir(Map<String, String> env) {
    return Path.of(env.getOrDefault(CONF_DIR_ENV, "conf"));
  }

  /** The environment variable that overrides a key: {@code aws.manageResources → PULSO_AWS_MANAGE_RESOURCES}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.replace('.', '_').replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  private static JsonObject readYaml(Path file, boolean required) {
    if (!Files.exists(file)) {
      if (required) {
        throw new ConfigException("configuration file " + file.toAbsolutePath() + " not found (set " + CONF_DIR_ENV + ")");
      }
      return new JsonObject();
    }
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      if (tree == null) {
        return new JsonObject();
      }
      if (!(tree instanceof Map<?, ?> map)) {
        throw new ConfigException(file + ": the top level must be a mapping of keys");
      }
      @SuppressWarnings("unchecked")
      JsonObject json = new JsonObject((Map<String, Object>) map);
      return JsonObject.of().mergeIn(json, true);
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** Lays {@code layer} over {@code base}; a key that application.yaml does not declare is an error. */
  private static void overlay(JsonObject base, JsonObject layer, String prefix, Path source) {
    for (Map.Entry<String, Object> entry : layer) {
      String key = prefix + entry.getKey();
      if (!base.containsKey(entry.getKey())) {
        throw new ConfigException(key + ": unknown key in " + source + " (declared keys are in application.yaml)");
      }
      Object current = base.getValue(entry.getKey());
      Object value = entry.getValue();
      if (current instanceof JsonObject nested) {
        if (!(value instanceof JsonObject nestedLayer)) {
          throw new ConfigException(key + ": must be a mapping in " + source);
        }
        overlay(nested, nestedLayer, key + ".", source);
      } else {
        base.put(entry.getKey(), value);
      }
    }
  }

  /** Applies each key's variable, if set; {@code known} collects the variable names of every key. */
  private static void applyEnvironment(JsonObject node, String prefix, Map<String, String> env, Set<String> known) {
    for (String field : List.copyOf(node.fieldNames())) {
      String key = prefix + field;
      Object value = node.getValue(field);
      if (value instanceof JsonObject nested) {
        applyEnvironment(nested, key + ".", env, known);
        continue;
      }
      known.add(envName(key));
      String override = env.get(envName(key));
      if (override == null) {
        continue;
      }
      if (value instanceof JsonArray) {
        JsonArray list = new JsonArray();
        for (String item : override.split(",")) {
          if (!item.isBlank()) {
            list.add(item.trim());
          }
        }
        node.put(field, list);
      } else {
        node.put(field, override);
      }
    }
  }
}
