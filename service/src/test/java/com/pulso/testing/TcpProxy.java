package com.pulso.testing;

import com.pulso.config.Loopback;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback in front of a real server, which a test can cut off and restore: while cut,
 * its port refuses connections and the connections open at the cut are closed — the server is gone
 * as far as its clients can tell, and comes back as it was (its data untouched).
 */
public final class TcpProxy implements AutoCloseable {

  private final InetSocketAddress target;
  /** The address it listens on: loopback, or {@link TestHosts#GATEWAY} for processes in test hosts. */
  private final String address;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Null while cut. Guarded by this. */
  private ServerSocket listening;

  private TcpProxy(InetSocketAddress target, String address, int port) {
    this.target = target;
    this.address = address;
    this.port = port;
  }

  /** Listens on a free loopback port and forwards every connection to {@code target}. */
  public static TcpProxy start(URI target) throws IOException {
    return start(target, Loopback.ADDRESS);
  }

  /** Listens on a free port of {@code address} and forwards every connection to {@code target}. */
  public static TcpProxy start(URI target, String address) throws IOException {
    return start(target, address, 0);
  }

  /** Listens on {@code address}:{@code port} (0: any free one) and forwards every connection to {@code target}. */
  public static TcpProxy start(URI target, String address, int port) throws IOException {
    ServerSocket server = listen(address, port);
    TcpProxy proxy = new TcpProxy(new InetSocketAddress(target.getHost(), target.getPort()), address,
        server.getLocalPort());
    proxy.serve(server);
    return proxy;
  }

  /** The proxy as an HTTP endpoint, for the configuration of whatever should reach the target through it. */
  public URI endpoint() {
    return URI.create("http://" + address + ":" + port);
  }

  public int port() {
    return port;
  }

  /** Closes the port (new connections are refused) and every connection open through it. */
  public synchronized void cut() throws IOException {
    if (listening != null) {
      listening.close();
      listening = null;
    }
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  /** Opens the same port again. */
  public synchronized void restore() throws IOException {
    if (listening == null) {
      serve(listen(address, port));
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }

  private static ServerSocket listen(String address, int port) throws IOException {
    ServerSocket server = new ServerSocket();
    // The port is taken again after a cut, with the closed connections still in TIME_WAIT.
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getByName(address), port));
    return server;
  }

  private synchronized void serve(ServerSocket server) {
    listening = server;
    Thread acceptor = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          forward(server, server.accept());
        } catch (IOException e) {
          // The port was closed by cut(): this acceptor is done.
        }
      }
    }, "tcp-proxy-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Under the lock: a connection accepted just before a cut is closed by it, never left open past it. */
  private synchronized void forward(ServerSocket acceptedBy, Socket client) {
    if (listening != acceptedBy) {
      closeQuietly(client);
      return;
    }
    Socket upstream;
    try {
      upstream = new Socket(target.getAddress(), target.getPort());
    } catch (IOException e) {
      closeQuietly(client);
      return;
    }
    open.add(client);
    open.add(upstream);
    pump(client, upstream);
    pump(upstream, client);
  }

  /** Copies one direction; when either side ends, both close. */
  private void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        // Closed by the other direction, by a cut, or by a peer: the connection is over either way.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump-" + port);
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is all that was wanted; a socket that fails to close is closed enough.
    }
  }
}
