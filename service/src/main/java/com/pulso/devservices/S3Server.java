package com.pulso.devservices;

import com.pulso.aws.AwsClients;
import com.pulso.config.Loopback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.FilesystemApiMetadata;
import org.jclouds.filesystem.reference.FilesystemConstants;
import org.jclouds.logging.slf4j.config.SLF4JLoggingModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 inside this JVM: s3proxy on {@link Loopback#ADDRESS} over jclouds' filesystem blob store, so
 * buckets are directories and objects files under the storage directory (kept across restarts). It
 * checks V2 or V4 signatures made with {@link AwsClients#EMULATOR_CREDENTIALS}.
 */
public final class S3Server implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(S3Server.class);

  private final S3Proxy proxy;
  private final BlobStoreContext blobStore;
  private final Path storageDir;

  private S3Server(S3Proxy proxy, BlobStoreContext blobStore, Path storageDir) {
    this.proxy = proxy;
    this.blobStore = blobStore;
    this.storageDir = storageDir;
  }

  /** Starts on {@link Loopback#ADDRESS}:{@code port} (0 picks a free port) with buckets under {@code storageDir}. */
  public static S3Server start(int port, Path storageDir) {
    Path dir = storageDir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the S3 storage directory " + dir + ": " + e.getMessage(), e);
    }
    Properties overrides = new Properties();
    overrides.setProperty(FilesystemConstants.PROPERTY_BASEDIR, dir.toString());
    // By metadata, not by the id "filesystem": a lookup by id loads every provider s3proxy declares,
    // and its Azure one needs the Azure SDK, which service/pom.xml excludes.
    BlobStoreContext blobStore = ContextBuilder.newBuilder(new FilesystemApiMetadata())
        .overrides(overrides)
        .modules(List.of(new SLF4JLoggingModule()))
        .buildView(BlobStoreContext.class);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(blobStore.getBlobStore())
        .endpoint(URI.create("http://" + Loopback.ADDRESS + ":" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, AwsClients.EMULATOR_CREDENTIALS.accessKeyId(),
            AwsClients.EMULATOR_CREDENTIALS.secretAccessKey())
        // The SDK v2 sends headers s3proxy does not know (checksums, SDK metadata): refusing them breaks every call.
        .ignoreUnknownHeaders(true)
        .build();
    try {
      proxy.start();
    } catch (Exception e) {
      stopQuietly(proxy);
      blobStore.close();
      throw new IllegalStateException("S3 (s3proxy) did not start on " + Loopback.ADDRESS + ":" + port
          + " (is the port taken?): " + e.getMessage(), e);
    }
    S3Server server = new S3Server(proxy, blobStore, dir);
    LOG.info("S3 (s3proxy) on {} with buckets under {}", server.endpoint(), dir);
    return server;
  }

  public int port() {
    return proxy.getPort();
  }

  public URI endpoint() {
    return URI.create("http://" + Loopback.ADDRESS + ":" + port());
  }

  public Path storageDir() {
    return storageDir;
  }

  @Override
  public void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3 (s3proxy) on port " + port() + " did not stop: " + e.getMessage(), e);
    } finally {
      blobStore.close();
    }
  }

  private static void stopQuietly(S3Proxy proxy) {
    try {
      proxy.stop();
    } catch (Exception e) {
      LOG.debug("s3proxy stop after a failed start", e);
    }
  }
}
