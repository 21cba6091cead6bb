package com.pulso.batch;

import static com.pulso.testing.Await.await;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * AWS Glue's JSON protocol ({@code X-Amz-Target: AWSGlue.<Operation>}, {@code application/x-amz-json-1.1})
 * for StartJobRun, GetJobRun and BatchStopJobRun, on a local port: there is no Glue emulator, and
 * this is the one place the project uses a stub server. Each job run follows a script: its state at
 * each GetJobRun, by how many times it was asked.
 */
public final class GlueStub implements AutoCloseable {

  /** A run the stub started: its id, the arguments StartJobRun sent, and whether it was stopped. */
  record Run(String id, String jobName, Map<String, String> arguments) {}

  /** The state ({@code JobRunState}) and error message of a run at its n-th GetJobRun (1-based). */
  record Answer(String state, String errorMessage) {}

  private final HttpServer server;
  private final List<Run> runs = new CopyOnWriteArrayList<>();
  private final List<String> stopped = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private volatile BiFunction<Run, Integer, Answer> script = (run, poll) -> new Answer("SUCCEEDED", null);

  private GlueStub(HttpServer server) {
    this.server = server;
  }

  public static GlueStub start(Vertx vertx) throws Exception {
    GlueStub[] stub = new GlueStub[1];
    HttpServer server = vertx.createHttpServer().requestHandler(request -> stub[0].handle(request));
    stub[0] = new GlueStub(server);
    await(server.listen(0, "127.0.0.1"));
    return stub[0];
  }

  public int port() {
    return server.actualPort();
  }

  /** How the runs started from now on answer GetJobRun. */
  void script(BiFunction<Run, Integer, Answer> script) {
    this.script = script;
  }

  List<Run> runs() {
    return List.copyOf(runs);
  }

  List<String> stopped() {
    return List.copyOf(stopped);
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      String target = request.getHeader("X-Amz-Target");
      JsonObject in = body.length() == 0 ? new JsonObject() : body.toJsonObject();
      JsonObject out;
      switch (target == null ? "" : target) {
        case "AWSGlue.StartJobRun" -> {
          Map<String, String> arguments = new java.util.TreeMap<>();
          in.getJsonObject("Arguments", new JsonObject()).forEach(e -> arguments.put(e.getKey(), (String) e.getValue()));
          Run run = new Run("jr_" + ids.incrementAndGet(), in.getString("JobName"), arguments);
          runs.add(run);
          out = new JsonObject().put("JobRunId", run.id());
        }
        case "AWSGlue.GetJobRun" -> {
          String id = in.getString("RunId");
          Run run = runs.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
          if (run == null) {
            request.response().setStatusCode(400).putHeader("content-type", "application/x-amz-json-1.1")
                .end(new JsonObject().put("__type", "EntityNotFoundException").put("message", "no run " + id).encode());
            return;
          }
          Answer answer = script.apply(run, polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet());
          JsonObject jobRun = new JsonObject().put("Id", id).put("JobName", run.jobName()).put("JobRunState", answer.state());
          if (answer.errorMessage() != null) {
            jobRun.put("ErrorMessage", answer.errorMessage());
          }
          out = new JsonObject().put("JobRun", jobRun);
        }
        case "AWSGlue.BatchStopJobRun" -> {
          JsonArray submitted = new JsonArray();
          in.getJsonArray("JobRunIds", new JsonArray()).forEach(id -> {
            stopped.add((String) id);
            submitted.add(new JsonObject().put("JobName", in.getString("JobName")).put("JobRunId", id));
          });
          out = new JsonObject().put("SuccessfulSubmissions", submitted).put("Errors", new JsonArray());
        }
        default -> {
          request.response().setStatusCode(400).end(new JsonObject().put("__type", "UnknownOperationException")
              .put("message", "not stubbed: " + target).encode());
          return;
        }
      }
      request.response().putHeader("content-type", "application/x-amz-json-1.1").end(out.encode());
    });
  }

  @Override
  public void close() throws Exception {
    await(server.close());
  }
}
