package com.pulso.glue;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Counts and hashes (SHA-256) what passes through, so a file's manifest entry needs no second read. */
final class HashingOutputStream extends FilterOutputStream {

  private final MessageDigest digest;
  private long bytes;

  HashingOutputStream(OutputStream out) {
    super(out);
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    digest.update((byte) b);
    bytes++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digest.update(b, off, len);
    bytes += len;
  }

  long bytes() {
    return bytes;
  }

  /** Lower-case hex SHA-256 of everything written: call once, when done. */
  String sha256() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
