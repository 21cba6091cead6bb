package com.pulso.glue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The source database's user and password from a Secrets Manager secret ({@code --jdbc-secret-id}),
 * read once when a run starts: on Glue the password is never a job argument, where anyone who may read
 * the job's definition or runs would see it. The secret is JSON with {@code username} and {@code password}
 * (the shape of RDS's and of the infrastructure's secrets). Region and credentials come from the SDK's
 * default chains (Glue sets both); the JDK's HTTP client keeps the job clear of Spark's Netty.
 */
final class SourceCredentials {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SourceCredentials() {}

  /** {@code args} with the secret's user and password when it names a secret, else {@code args} as given. */
  static JobArguments resolve(JobArguments args) throws IOException {
    if (args.jdbcSecretId() == null) {
      return args;
    }
    String secret;
    try (SecretsManagerClient secrets = SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).build()) {
      secret = secrets.getSecretValue(get -> get.secretId(args.jdbcSecretId())).secretString();
    } catch (RuntimeException e) {
      throw new IOException("cannot read the source database's credentials from secret " + args.jdbcSecretId() + ": "
          + e.getMessage(), e);
    }
    JsonNode fields;
    try {
      fields = secret == null ? null : JSON.readTree(secret);
    } catch (IOException e) {
      fields = null;
    }
    if (fields == null || !fields.path("username").isTextual() || !fields.path("password").isTextual()) {
      // Never the secret's text in a message: it is a password.
      throw new IOException("secret " + args.jdbcSecretId() + " is not JSON with string fields username and password");
    }
    return args.withCredentials(fields.get("username").asText(), fields.get("password").asText());
  }
}
