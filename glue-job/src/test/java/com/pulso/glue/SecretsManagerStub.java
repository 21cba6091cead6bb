package com.pulso.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Secrets Manager endpoint on loopback speaking its protocol (AWS JSON 1.1: {@code POST /},
 * {@code X-Amz-Target: secretsmanager.GetSecretValue}), serving the secrets put in it; an unknown one
 * is answered as AWS does ({@code ResourceNotFoundException}). Every call is recorded ({@link AwsCallRecord}).
 */
final class SecretsManagerStub implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final Map<String, String> secrets = new ConcurrentHashMap<>();

  SecretsManagerStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  void put(String secretId, String secretString) {
    secrets.put(secretId, secretString);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      JsonNode request = JSON.readTree(exchange.getRequestBody());
      if (!"secretsmanager.GetSecretValue".equals(target)) {
        answer(exchange, 400, Map.of("__type", "InvalidRequestException", "message", "not served here: " + target));
        return;
      }
      AwsCallRecord.add("secretsmanager", "GetSecretValue", "secret", "");
      String id = request.path("SecretId").asText();
      String secret = secrets.get(id);
      if (secret == null) {
        answer(exchange, 400, Map.of("__type", "ResourceNotFoundException",
            "message", "Secrets Manager can't find the specified secret."));
        return;
      }
      answer(exchange, 200, Map.of("ARN", id, "Name", id, "SecretString", secret, "VersionId", "v1"));
    }
  }

  private static void answer(HttpExchange exchange, int status, Map<String, String> body) throws IOException {
    byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
