package com.pulso.cluster;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret the members share ({@code cluster.secret}). Open-source Hazelcast authenticates no
 * member and encrypts nothing, so what the secret gives is what Pulso can add on top of it:
 * <ul>
 *   <li>the cluster name Hazelcast checks at join is derived from it ({@link #hazelcastClusterName}):
 *       a process without the secret is refused by the members and forms a cluster of its own. The
 *       derived name travels in the join messages; the secret never does.</li>
 *   <li>values that members share in Hazelcast maps are sealed with AES-GCM under a key derived from
 *       it ({@link #seal}), bound to their map key: a process that reaches a map (it sniffed the
 *       derived name, say) can neither read them, forge them, nor move one provider's value under
 *       another's key.</li>
 * </ul>
 * Keys are derived with HMAC-SHA256 under distinct labels, so neither use reveals the other's key.
 */
public final class ClusterSecret {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<Cipher> AES_GCM = ThreadLocal.withInitial(() -> {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is part of every JDK", e);
    }
  });

  private final boolean configured;
  private final byte[] nameKey;
  private final SecretKeySpec sealKey;

  /** {@code secret} empty: none (local profile): the cluster name is left as it is, sealing still runs. */
  public ClusterSecret(String secret) {
    this.configured = !secret.isEmpty();
    byte[] root = ("pulso-cluster-secret:" + secret).getBytes(StandardCharsets.UTF_8);
    this.nameKey = derive(root, "hazelcast-cluster-name");
    this.sealKey = new SecretKeySpec(derive(root, "shared-map-values"), "AES");
  }

  /** The name Hazelcast checks at join: {@code name} itself without a secret, else {@code name-<16 hex of a derived key>}. */
  public String hazelcastClusterName(String name) {
    return configured ? name + "-" + HexFormat.of().formatHex(nameKey, 0, 8) : name;
  }

  /** {@code value} encrypted and authenticated for {@code mapKey} (base64url of nonce, ciphertext and tag). */
  public String seal(String mapKey, String value) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = AES_GCM.get();
      cipher.init(Cipher.ENCRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(mapKey.getBytes(StandardCharsets.UTF_8));
      byte[] plain = value.getBytes(StandardCharsets.UTF_8);
      byte[] sealed = Arrays.copyOf(nonce, NONCE_BYTES + cipher.getOutputSize(plain.length));
      cipher.doFinal(plain, 0, plain.length, sealed, NONCE_BYTES);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
  }

  /** The value {@link #seal} sealed for {@code mapKey}; empty when it was not (forged, altered, moved or malformed). */
  public Optional<String> open(String mapKey, String sealed) {
    try {
      byte[] bytes = Base64.getUrlDecoder().decode(sealed);
      if (bytes.length < NONCE_BYTES + TAG_BITS / 8) {
        return Optional.empty();
      }
      Cipher cipher = AES_GCM.get();
      cipher.init(Cipher.DECRYPT_MODE, sealKey, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(mapKey.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES);
      return Optional.of(new String(plain, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      return Optional.empty();
    }
  }

  private static byte[] derive(byte[] root, String label) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(root, "HmacSHA256"));
      return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
