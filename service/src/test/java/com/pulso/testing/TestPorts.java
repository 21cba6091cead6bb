package com.pulso.testing;

/**
 * The fixed ports tests listen on, moved by {@code -Dpulso.test.portOffset=N} (Maven passes it on to
 * the tests) so that two checkouts can run their tests on one machine at the same time.
 */
public final class TestPorts {

  private TestPorts() {}

  /** {@code base} moved by the offset; every fixed port a test binds or hands to a server goes through here. */
  public static int port(int base) {
    return base + Integer.getInteger("pulso.test.portOffset", 0);
  }
}
