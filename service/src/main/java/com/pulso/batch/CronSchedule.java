package com.pulso.batch;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.ZonedDateTime;

/** A Unix cron expression (minute hour day-of-month month day-of-week), evaluated in a time zone. */
public final class CronSchedule {

  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ExecutionTime times;

  private CronSchedule(String expression, ExecutionTime times) {
    this.expression = expression;
    this.times = times;
  }

  /** @throws IllegalArgumentException when {@code expression} is not a valid Unix cron expression */
  public static CronSchedule parse(String expression) {
    return new CronSchedule(expression, ExecutionTime.forCron(PARSER.parse(expression).validate()));
  }

  /** The first time after {@code now} (in {@code now}'s zone) the schedule fires. */
  public ZonedDateTime next(ZonedDateTime now) {
    return times.nextExecution(now)
        .orElseThrow(() -> new IllegalStateException("cron '" + expression + "' never fires after " + now));
  }

  /** The last time at or before {@code now} (in {@code now}'s zone) the schedule fired. */
  public ZonedDateTime previous(ZonedDateTime now) {
    return times.lastExecution(now.plusNanos(1))
        .orElseThrow(() -> new IllegalStateException("cron '" + expression + "' never fired before " + now));
  }

  @Override
  public String toString() {
    return expression;
  }
}
