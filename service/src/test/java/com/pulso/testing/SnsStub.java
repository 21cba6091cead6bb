package com.pulso.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SNS endpoint on loopback speaking its protocol (AWS Query: {@code POST /}, a form body with
 * {@code Action=Publish}, an XML answer), keeping what was published. It can be told to fail the next
 * publishes as SNS does when it throttles or fails ({@link #failNext}).
 */
public final class SnsStub implements AutoCloseable {

  /** One published message, with its message attributes (name → string value). */
  public record Published(String topicArn, String subject, String message, Map<String, String> attributes) {}

  private final HttpServer server;
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();
  private volatile int failureStatus = 500;

  public SnsStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Published> published() {
    return List.copyOf(published);
  }

  /** Publishes refused so far. */
  public int refused() {
    return refused.get();
  }

  /** The next {@code count} publishes fail: 400 Throttling, or 500 InternalFailure. */
  public void failNext(int count, boolean throttling) {
    failureStatus = throttling ? 400 : 500;
    failures.set(count);
  }

  public void clear() {
    published.clear();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      if (!"Publish".equals(form.get("Action"))) {
        answer(exchange, 400, error("Sender", "InvalidAction", "not served here: " + form.get("Action")));
        return;
      }
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        refused.incrementAndGet();
        answer(exchange, failureStatus, failureStatus == 400 ? error("Sender", "Throttling", "Rate exceeded")
            : error("Receiver", "InternalFailure", "The request processing has failed because of an unknown error"));
        return;
      }
      Map<String, String> attributes = new HashMap<>();
      for (int i = 1; form.containsKey("MessageAttributes.entry." + i + ".Name"); i++) {
        attributes.put(form.get("MessageAttributes.entry." + i + ".Name"),
            form.get("MessageAttributes.entry." + i + ".Value.StringValue"));
      }
      published.add(new Published(form.get("TopicArn"), form.get("Subject"), form.get("Message"), attributes));
      answer(exchange, 200, "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
          + "<MessageId>" + UUID.randomUUID() + "</MessageId></PublishResult><ResponseMetadata><RequestId>"
          + UUID.randomUUID() + "</RequestId></ResponseMetadata></PublishResponse>");
    }
  }

  private static String error(String type, String code, String message) {
    return "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>" + type + "</Type><Code>"
        + code + "</Code><Message>" + message + "</Message></Error><RequestId>" + UUID.randomUUID()
        + "</RequestId></ErrorResponse>";
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static void answer(HttpExchange exchange, int status, String xml) throws IOException {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/xml");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** The publishes whose subject contains {@code text}. */
  public List<Published> about(String text) {
    List<Published> found = new ArrayList<>();
    for (Published p : published) {
      if (p.subject() != null && p.subject().contains(text)) {
        found.add(p);
      }
    }
    return found;
  }
}
