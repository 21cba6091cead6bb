package com.pulso.config;

import com.pulso.batch.CronSchedule;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Typed, validated reads of the merged configuration tree. Values come as YAML scalars or as
 * environment strings; every failure names the key and the environment variable that sets it.
 */
final class ConfigReader {

  private final JsonObject root;

  ConfigReader(JsonObject root) {
    this.root = root;
  }

  String string(String key) {
    Object value = raw(key);
    if (value instanceof JsonObject || value instanceof JsonArray) {
      throw invalid(key, value, "a single value");
    }
    return value == null ? "" : value.toString().trim();
  }

  String nonBlank(String key) {
    String value = string(key);
    if (value.isEmpty()) {
      throw new ConfigException(key + ": is required but empty (set it in conf/ or with " + ConfigLoader.envName(key) + ")");
    }
    return value;
  }

  String identifier(String key) {
    String value = nonBlank(key);
    if (!value.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw invalid(key, value, "a SQL identifier (letters, digits, underscore)");
    }
    return value;
  }

  /** A file that must exist and be readable now (a certificate, say), so a missing mount stops the start. */
  Path readableFile(String key) {
    Path file = Path.of(nonBlank(key));
    if (!Files.isReadable(file)) {
      throw invalid(key, file, "a readable file");
    }
    return file;
  }

  int integer(String key, int min, int max) {
    String value = string(key);
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw invalid(key, value, "an integer from " + min + " to " + max);
  }

  int port(String key) {
    return integer(key, 1, 65535);
  }

  boolean bool(String key) {
    String value = string(key).toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(key, value, "true or false");
    };
  }

  /** A Unix cron expression (minute hour day-of-month month day-of-week), checked by parsing it. */
  String cron(String key) {
    String value = nonBlank(key);
    try {
      CronSchedule.parse(value);
    } catch (IllegalArgumentException e) {
      throw invalid(key, value, "a Unix cron expression such as \"30 0 * * *\" (" + e.getMessage() + ")");
    }
    return value;
  }

  String oneOf(String key, Set<String> allowed) {
    String value = string(key);
    if (!allowed.contains(value)) {
      throw invalid(key, value, "one of " + allowed);
    }
    return value;
  }

  ZoneId zone(String key) {
    String value = nonBlank(key);
    try {
      return ZoneId.of(value);
    } catch (DateTimeException e) {
      throw invalid(key, value, "a time zone id such as America/Bogota");
    }
  }

  /** An http(s) URI, or empty meaning "the real AWS endpoint". */
  URI optionalEndpoint(String key) {
    String value = string(key);
    if (value.isEmpty()) {
      return null;
    }
    try {
      URI uri = URI.create(value);
      if ((uri.getScheme().equals("http") || uri.getScheme().equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException | NullPointerException ignored) {
      // reported below
    }
    throw invalid(key, value, "an http(s) URL such as http://127.0.0.1:4567, or empty for AWS");
  }

  List<String> list(String key) {
    List<String> items = optionalList(key);
    if (items.isEmpty()) {
      throw new ConfigException(key + ": needs at least one entry (" + ConfigLoader.envName(key) + " takes a comma-separated list)");
    }
    return items;
  }

  /** A list that may be empty. */
  List<String> optionalList(String key) {
    Object value = raw(key);
    List<String> items = new ArrayList<>();
    if (value instanceof JsonArray array) {
      array.forEach(item -> items.add(String.valueOf(item).trim()));
    } else if (value != null) {
      for (String item : value.toString().split(",")) {
        items.add(item.trim());
      }
    }
    items.removeIf(String::isEmpty);
    return List.copyOf(items);
  }

  /** A number (a threshold, say) from {@code min} to {@code max}. */
  double decimal(String key, double min, double max) {
    String value = string(key);
    try {
      double parsed = Double.parseDouble(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw invalid(key, value, "a number from " + min + " to " + max);
  }

  /** The names under a section (the rules of {@code alerts.rules}), in the order given. */
  List<String> names(String key) {
    Object value = raw(key);
    if (!(value instanceof JsonObject section)) {
      throw invalid(key, value, "a section of named entries");
    }
    return List.copyOf(section.fieldNames());
  }

  private Object raw(String key) {
    JsonObject node = root;
    String[] path = key.split("\\.");
    for (int i = 0; i < path.length - 1; i++) {
      node = node.getJsonObject(path[i]);
      if (node == null) {
        throw new ConfigException(key + ": missing (declare it in application.yaml)");
      }
    }
    if (!node.containsKey(path[path.length - 1])) {
      throw new ConfigException(key + ": missing (declare it in application.yaml)");
    }
    return node.getValue(path[path.length - 1]);
  }

  private static ConfigException invalid(String key, Object value, String expected) {
    return new ConfigException(key + ": '" + value + "' is not valid, expected " + expected
        + " (set in conf/ or with " + ConfigLoader.envName(key) + ")");
  }
}
