package com.pulso.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.db.Postgres;
import com.pulso.config.PulsoConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestServicesTest {

  @Test
  void everyCallerSharesOneConfigurationOnTheTestPorts() {
    PulsoConfig config = TestServices.config();

    assertThat(TestServices.config()).isSameAs(config);
    int offset = Integer.getInteger("pulso.test.portOffset", 0);
    assertThat(config.database().port()).isEqualTo(25432 + offset);
    assertThat(config.aws().kinesisEndpoint()).isEqualTo(URI.create("http://127.0.0.1:" + (24567 + offset)));
    assertThat(config.aws().dynamoDbEndpoint()).isEqualTo(URI.create("http://127.0.0.1:" + (24568 + offset)));
    assertThat(config.aws().s3Endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + (24569 + offset)));
    assertThat(config.demo().enabled()).isFalse();
  }

  @Test
  void theConfiguredDatabaseAnswers() throws Exception {
    PulsoConfig.Database database = TestServices.config().database();

    try (Connection connection = Postgres.connect(database);
         Statement statement = connection.createStatement();
         ResultSet rs = statement.executeQuery("SHOW wal_level")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("logical");
    }
  }

  @Test
  void theConfiguredAwsEndpointsAnswer() throws Exception {
    PulsoConfig.Aws aws = TestServices.config().aws();
    HttpClient client = HttpClient.newHttpClient();

    for (URI endpoint : new URI[] {aws.kinesisEndpoint(), aws.dynamoDbEndpoint(), aws.s3Endpoint()}) {
      HttpResponse<Void> response = client.send(HttpRequest.newBuilder(endpoint).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(response.statusCode()).as("HTTP status of %s", endpoint).isBetween(200, 499);
    }
  }
}
