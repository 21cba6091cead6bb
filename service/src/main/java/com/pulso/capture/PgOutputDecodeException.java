package com.pulso.capture;

/**
 * A pgoutput message that {@link PgOutputDecoder} cannot read: an unknown message kind, a message
 * cut short, or bytes left over. It means the slot was read with options this decoder does not
 * speak (e.g. a protocol version above 1, {@code messages 'true'}) or the bytes are not pgoutput.
 */
public final class PgOutputDecodeException extends RuntimeException {

  public PgOutputDecodeException(String message) {
    super(message);
  }

  public PgOutputDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
