package com.pulso.capture;

import com.pulso.sales.SaleChange;

/** What {@link SaleChangeMapper} makes of one source row change. */
public sealed interface SaleMapping {

  /** The change counts as this sale change. */
  record Mapped(SaleChange change) implements SaleMapping {}

  /** The change cannot be counted; nothing is shipped for it. */
  record Rejected(DeadLetter deadLetter) implements SaleMapping {}

  /**
   * A correction whose old row counted and whose new row cannot: the old sale is voided (it leaves
   * the figures) and the new row is dead-lettered.
   */
  record VoidedAndRejected(SaleChange.Voided change, DeadLetter deadLetter) implements SaleMapping {}
}
