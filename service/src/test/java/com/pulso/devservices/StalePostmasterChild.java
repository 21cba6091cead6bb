package com.pulso.devservices;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link StalePostmasterTest}: starts PostgreSQL on the given port and data
 * directory, prints the postmaster's pid, then waits to be killed.
 */
public final class StalePostmasterChild {

  static final String PID_LINE = "POSTMASTER_PID ";

  public static void main(String[] args) throws InterruptedException {
    EmbeddedDatabase database = EmbeddedDatabase.start(Integer.parseInt(args[0]), Path.of(args[1]));
    System.out.println(PID_LINE + database.postmasterPid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
