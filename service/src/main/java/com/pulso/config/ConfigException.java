package com.pulso.config;

/** A configuration value that is missing or invalid; the message names the key and how to set it. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
