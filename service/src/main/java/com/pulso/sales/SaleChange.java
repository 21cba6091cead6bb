package com.pulso.sales;

import java.time.Instant;

/**
 * One change of the source's sales, as the pipeline carries it from capture through Kinesis to the
 * aggregates: a new sale, a correction (any field may change, even the provider), or a void.
 */
public sealed interface SaleChange {

  /** Identity and order of the change (see {@link SourcePosition}). */
  SourcePosition position();

  /** Commit time of the source transaction: the start of the freshness clock. */
  Instant commitTime();

  /** The provider and client whose shard carries the change (partition key): the sale as it is now. */
  Sale current();

  record Inserted(SourcePosition position, Instant commitTime, Sale sale) implements SaleChange {
    @Override
    public Sale current() {
      return sale;
    }
  }

  record Corrected(SourcePosition position, Instant commitTime, Sale before, Sale after) implements SaleChange {
    @Override
    public Sale current() {
      return after;
    }
  }

  record Voided(SourcePosition position, Instant commitTime, Sale sale) implements SaleChange {
    @Override
    public Sale current() {
      return sale;
    }
  }
}
