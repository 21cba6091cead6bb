package com.pulso.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.thirdparty.jackson.core.JsonParser;
import software.amazon.awssdk.thirdparty.jackson.core.JsonToken;
import software.amazon.awssdk.thirdparty.jackson.dataformat.cbor.CBORFactory;

/**
 * A CloudWatch endpoint on loopback speaking PutMetricData as the SDK does (Smithy RPC v2 CBOR:
 * {@code POST /service/GraniteServiceVersion20100801/operation/PutMetricData}, a CBOR body), keeping each
 * request's body decoded to maps and lists; it can refuse the next requests as CloudWatch does.
 */
public final class CloudWatchStub implements AutoCloseable {

  private static final CBORFactory CBOR = new CBORFactory();

  private final HttpServer server;
  private final List<Map<String, Object>> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger failures = new AtomicInteger();

  public CloudWatchStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The PutMetricData requests taken, oldest first: {@code Namespace}, {@code MetricData}. */
  public List<Map<String, Object>> requests() {
    return List.copyOf(requests);
  }

  public void failNext(int count) {
    failures.set(count);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
      if (!exchange.getRequestURI().getPath().endsWith("/operation/PutMetricData")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        byte[] error = encodeError();
        exchange.getResponseHeaders().set("Content-Type", "application/cbor");
        exchange.sendResponseHeaders(400, error.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(error);
        }
        return;
      }
      try (JsonParser parser = CBOR.createParser(body)) {
        parser.nextToken();
        @SuppressWarnings("unchecked")
        Map<String, Object> request = (Map<String, Object>) read(parser);
        requests.add(request);
      }
      exchange.getResponseHeaders().set("Content-Type", "application/cbor");
      exchange.sendResponseHeaders(200, -1);
    }
  }

  private static byte[] encodeError() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (var generator = CBOR.createGenerator(bytes)) {
      generator.writeStartObject();
      generator.writeStringField("__type", "com.amazonaws.cloudwatch#InvalidParameterValueException");
      generator.writeStringField("message", "refused by the test");
      generator.writeEndObject();
    }
    return bytes.toByteArray();
  }

  private static Object read(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> map = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          map.put(name, read(parser));
        }
        return map;
      }
      case START_ARRAY -> {
        List<Object> list = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(parser));
        }
        return list;
      }
      case VALUE_STRING -> {
        return parser.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return parser.getNumberValue().doubleValue();
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return parser.getBooleanValue();
      }
      default -> {
        return null;
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
