package com.pulso.batch;

import static com.pulso.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.pulso.aws.AwsClients;
import com.pulso.batch.GlueStub.Answer;
import com.pulso.batch.JobRunner.JobState;
import com.pulso.config.ConfigLoader;
import com.pulso.config.PulsoConfig;
import com.pulso.testing.TestServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.glue.model.JobRun;
import software.amazon.awssdk.services.glue.model.JobRunState;

/** The Glue runner against a local endpoint speaking Glue's JSON protocol ({@link GlueStub}). */
class GlueJobRunnerTest {

  private static Vertx vertx;
  private static GlueStub glue;
  private static AwsClients aws;
  private static GlueJobRunner runner;

  @BeforeAll
  static void glue() throws Exception {
    vertx = Vertx.vertx();
    glue = GlueStub.start(vertx);
    Map<String, String> env = new HashMap<>(TestServices.env());
    env.put(ConfigLoader.envName("aws.endpoints.glue"), "http://127.0.0.1:" + glue.port());
    PulsoConfig config = ConfigLoader.load(TestServices.home().resolve("conf"), env);
    aws = new AwsClients(vertx, config, new SimpleMeterRegistry());
    runner = new GlueJobRunner(aws, "pulso-daily-report", ZoneId.of("America/Bogota"));
  }

  @AfterAll
  static void stop() throws Exception {
    aws.close();
    glue.close();
    await(vertx.close());
  }

  @Test
  void startSendsTheAttemptsDaysAndRunIdAndItsStatesAreFollowedToTheEnd() throws Exception {
    glue.script((run, poll) -> new Answer(poll == 1 ? "STARTING" : poll < 3 ? "RUNNING" : "SUCCEEDED", null));

    String id = await(runner.start(new JobRequest(7, 2, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 3))));

    GlueStub.Run run = glue.runs().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    assertThat(run.jobName()).isEqualTo("pulso-daily-report");
    assertThat(run.arguments()).isEqualTo(Map.of("--from", "2026-11-01", "--to", "2026-11-03", "--run-id", "run-7-2",
        "--time-zone", "America/Bogota"));
    assertThat(await(runner.state(id))).isEqualTo(JobState.RUNNING);
    assertThat(await(runner.state(id))).isEqualTo(JobState.RUNNING);
    assertThat(await(runner.state(id))).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void aFailedRunCarriesGluesStateAndErrorMessage() throws Exception {
    glue.script((run, poll) -> new Answer("FAILED", "An error occurred while calling o97.jdbc: Connection refused"));

    String id = await(runner.start(new JobRequest(8, 1, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 1))));
    JobState state = await(runner.state(id));

    assertThat(state.phase()).isEqualTo(JobState.Phase.FAILED);
    assertThat(state.error()).isEqualTo("Glue job run " + id + " FAILED: An error occurred while calling o97.jdbc:"
        + " Connection refused");
  }

  @Test
  void stopAsksGlueToStopTheRun() throws Exception {
    glue.script((run, poll) -> new Answer("RUNNING", null));
    String id = await(runner.start(new JobRequest(9, 1, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 1))));

    await(runner.stop(id));

    assertThat(glue.stopped()).contains(id);
  }

  @Test
  void everyGlueStateIsRunningOrAnEnd() {
    for (JobRunState state : JobRunState.knownValues()) {
      JobState mapped = GlueJobRunner.state(JobRun.builder().id("jr_1").jobRunState(state).build());
      switch (state) {
        case SUCCEEDED -> assertThat(mapped).isEqualTo(JobState.SUCCEEDED);
        case STARTING, RUNNING, WAITING, STOPPING -> assertThat(mapped).isEqualTo(JobState.RUNNING);
        default -> assertThat(mapped.phase()).as("%s", state).isEqualTo(JobState.Phase.FAILED);
      }
    }
  }
}
