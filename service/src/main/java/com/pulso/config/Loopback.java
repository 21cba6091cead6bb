package com.pulso.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The one rule for "this host is loopback": it decides both where dev services may run and which
 * AWS endpoints are emulators (dummy credentials). Names are never resolved, so a name whose DNS or
 * hosts entry points at loopback (say 127.0.1.1) is not loopback here: only {@code localhost} and
 * loopback IP literals are.
 */
public final class Loopback {

  /** The address dev services bind and advertise. */
  public static final String ADDRESS = "127.0.0.1";

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
  private static final Pattern IPV4_LITERAL = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
  /** Hex digits, dots and at least one colon, optionally bracketed (no zone id). */
  private static final Pattern IPV6_LITERAL = Pattern.compile("\\[?[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*]?");

  private Loopback() {}

  /** {@code localhost}, an IPv4 literal in 127.0.0.0/8, or {@code ::1} (bracketed or not). */
  public static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    // InetAddress parses these two shapes as literals (an invalid IPv6 one fails without a lookup);
    // anything else is a name, which InetAddress would resolve.
    if (!IPV4_LITERAL.matcher(host).matches() && !IPV6_LITERAL.matcher(host).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
