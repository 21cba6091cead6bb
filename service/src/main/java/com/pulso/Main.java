package com.pulso;

/** Placeholder: wiring arrives with the clustered server. */
public final class Main {
  public static void main(String[] args) {}
}
