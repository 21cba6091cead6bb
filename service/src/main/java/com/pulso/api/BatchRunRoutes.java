package com.pulso.api;

import com.pulso.batch.BatchOrchestrator;
import com.pulso.batch.BatchRuns;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Set;

/**
 * {@code POST /v1/admin/batch-runs?from=&to=} (or {@code ?date=}): a manual run of the report job for
 * closed days (≤ 92), queued by the batch leader on whichever member it runs (202 with the run; 409
 * while a run of the same range is active; 503 without a leader). {@code GET /v1/admin/batch-runs/{id}}:
 * a run's state, attempts, runner id, timings and error.
 */
final class BatchRunRoutes {

  private static final Set<String> PARAMETERS = Set.of("date", "from", "to");
  private static final long ASK_TIMEOUT_MS = 10_000;

  private BatchRunRoutes() {}

  static void mount(Router router, BatchRuns runs, ZoneId zone, Clock clock) {
    router.post("/v1/admin/batch-runs").handler(ctx -> queue(ctx, zone, clock));
    router.get("/v1/admin/batch-runs/:runId").handler(ctx -> {
      long id = Parameters.id(ctx.pathParam("runId"), "runId", Long.MAX_VALUE);
      runs.find(id)
          .onSuccess(run -> {
            if (run.isPresent()) {
              ctx.json(run.get().toJson());
            } else {
              ctx.fail(Problem.notFound("no batch run " + id));
            }
          })
          .onFailure(ctx::fail);
    });
  }

  private static void queue(RoutingContext ctx, ZoneId zone, Clock clock) {
    Parameters.only(ctx, PARAMETERS);
    LocalDate from;
    LocalDate to;
    if (ctx.queryParams().contains("date")) {
      from = Parameters.date(ctx, "date");
      to = from;
    } else {
      from = Parameters.date(ctx, "from");
      to = Parameters.date(ctx, "to");
    }
    BatchOrchestrator.refusal(from, to, LocalDate.now(clock.withZone(zone))).ifPresent(refused -> {
      throw Problem.badRequest(refused + " (business zone " + zone + ")");
    });
    ctx.vertx().eventBus().<JsonObject>request(BatchOrchestrator.RUN_ADDRESS,
            new JsonObject().put("from", from.toString()).put("to", to.toString()),
            new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MS))
        .onSuccess(reply -> ctx.response().setStatusCode(202)
            .putHeader("location", "/v1/admin/batch-runs/" + reply.body().getLong("id"))
            .putHeader("content-type", "application/json")
            .end(reply.body().encode()))
        .onFailure(error -> ctx.fail(problem(error)));
  }

  private static Throwable problem(Throwable error) {
    if (error instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.NO_HANDLERS || reply.failureType() == ReplyFailure.TIMEOUT) {
        return Problem.unavailable("no batch leader answers now (batch.enabled, or a leader being elected)");
      }
      if (reply.failureCode() == 409 || reply.failureCode() == 400) {
        return new Problem(reply.failureCode(), reply.getMessage());
      }
    }
    return error;
  }
}
