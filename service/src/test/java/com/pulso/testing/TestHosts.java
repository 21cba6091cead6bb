package com.pulso.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Test hosts on this machine: network namespaces joined by veth pairs to a bridge, each with an
 * address of its own on 10.213.0.0/24 (the bridge, in this machine's own namespace, is 10.213.0.1).
 * A process started in a host ({@link #command}) sees only that host's network. The test's services
 * listen on this machine's loopback; each host reaches them on its own loopback, at the same ports:
 * its connections to 127.0.0.1 on those ports are sent (DNAT, {@code route_localnet}) to relays on
 * the bridge's address, which forward them to the services. So a server in a host runs with the
 * same endpoints as anywhere else (loopback: the emulators' credentials and protocols). A host can
 * be cut off from the other hosts — its packets to and from them dropped, as a partition between
 * two nodes drops them — while it still reaches the services. Needs root (ip, iptables); made by the
 * test and removed by {@link #close()}.
 */
public final class TestHosts implements AutoCloseable {

  private static final String PREFIX = "pulso-h";
  private static final String BRIDGE = "pulso-hbr";
  /** This machine's address on the hosts' network: where they reach the test's services. */
  public static final String GATEWAY = "10.213.0.1";

  private final List<String> hosts = new ArrayList<>();
  private final List<TcpProxy> relays = new ArrayList<>();

  private TestHosts() {}

  /**
   * {@code count} hosts, 10.213.0.11 onwards, reaching this machine's loopback {@code servicePorts} on
   * their own loopback, after removing whatever an earlier run left.
   */
  public static TestHosts create(int count, List<Integer> servicePorts) throws IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("test hosts need root (network namespaces, iptables): running as "
          + System.getProperty("user.name"));
    }
    removeLeftovers();
    TestHosts made = new TestHosts();
    run("ip", "link", "add", BRIDGE, "type", "bridge");
    run("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
    run("ip", "link", "set", BRIDGE, "up");
    for (int i = 1; i <= count; i++) {
      String host = PREFIX + i;
      String outside = "pulso-v" + i;
      run("ip", "netns", "add", host);
      made.hosts.add(host);
      run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", host);
      run("ip", "link", "set", outside, "master", BRIDGE);
      run("ip", "link", "set", outside, "up");
      run("ip", "netns", "exec", host, "ip", "addr", "add", address(i) + "/24", "dev", "eth0");
      run("ip", "netns", "exec", host, "ip", "link", "set", "eth0", "up");
      run("ip", "netns", "exec", host, "ip", "link", "set", "lo", "up");
      run("ip", "netns", "exec", host, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1");
      for (int port : servicePorts) {
        run("ip", "netns", "exec", host, "iptables", "-t", "nat", "-A", "OUTPUT", "-d", "127.0.0.1", "-p", "tcp",
            "--dport", String.valueOf(port), "-j", "DNAT", "--to-destination", GATEWAY + ":" + port);
      }
      // Leaving by the bridge, the connection takes the host's address (127.0.0.1 is not routable there).
      run("ip", "netns", "exec", host, "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "127.0.0.1", "-o", "eth0",
          "-j", "MASQUERADE");
    }
    for (int port : servicePorts) {
      made.relays.add(TcpProxy.start(URI.create("http://127.0.0.1:" + port), GATEWAY, port));
    }
    return made;
  }

  /** The address of host {@code i} (1-based). */
  public static String address(int i) {
    return "10.213.0." + (10 + i);
  }

  /** {@code command} prefixed to run in host {@code i}. */
  public List<String> command(int i, List<String> command) {
    List<String> inHost = new ArrayList<>(List.of("ip", "netns", "exec", hosts.get(i - 1)));
    inHost.addAll(command);
    return inHost;
  }

  /** Drops every packet between host {@code i} and the other hosts (the bridge's address stays reachable). */
  public void cut(int i) throws IOException, InterruptedException {
    for (int other = 1; other <= hosts.size(); other++) {
      if (other != i) {
        run("ip", "netns", "exec", hosts.get(i - 1), "iptables", "-A", "INPUT", "-s", address(other), "-j", "DROP");
        run("ip", "netns", "exec", hosts.get(i - 1), "iptables", "-A", "OUTPUT", "-d", address(other), "-j", "DROP");
      }
    }
  }

  /** Lets host {@code i}'s packets through again. */
  public void heal(int i) throws IOException, InterruptedException {
    run("ip", "netns", "exec", hosts.get(i - 1), "iptables", "-F");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (TcpProxy relay : relays) {
      relay.close();
    }
    removeLeftovers();
  }

  private static void removeLeftovers() throws IOException, InterruptedException {
    for (String line : output("ip", "netns", "list").lines().toList()) {
      String name = line.split(" ")[0];
      if (name.startsWith(PREFIX)) {
        run("ip", "netns", "del", name);
      }
    }
    if (output("ip", "link", "show").contains(BRIDGE + ":")) {
      run("ip", "link", "del", BRIDGE);
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + said);
    }
  }

  private static String output(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();
    return said;
  }
}
