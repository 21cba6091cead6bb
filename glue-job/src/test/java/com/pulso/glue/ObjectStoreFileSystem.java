package com.pulso.glue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A bucket as the job sees one on Glue ({@code s3://bucket/key}), kept in a local directory: scheme
 * {@code objectstore://<bucket>/<key>}. Not a local file system to the job, so it publishes a report as
 * it does on S3 (the manifest written whole, no rename). Each operation is recorded with the first segment
 * of its key ({@link AwsCallRecord}, service {@code s3fs}), as EMRFS would turn it into S3 requests.
 */
public final class ObjectStoreFileSystem extends FileSystem {

  static final String SCHEME = "objectstore";
  private static final Map<String, Path> BUCKETS = new ConcurrentHashMap<>();

  private URI uri;
  private LocalReportFileSystem local;

  /** Serves {@code bucket} from {@code directory}; the job's Hadoop configuration must name this class. */
  static void serve(String bucket, java.nio.file.Path directory, Configuration conf) {
    BUCKETS.put(bucket, new Path(directory.toUri()));
    conf.set("fs." + SCHEME + ".impl", ObjectStoreFileSystem.class.getName());
    conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    super.initialize(name, conf);
    uri = URI.create(SCHEME + "://" + name.getAuthority() + "/");
    local = new LocalReportFileSystem();
    local.initialize(URI.create("file:///"), conf);
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public URI getUri() {
    return uri;
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    return local.open(toLocal(f, "open"), bufferSize);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                   long blockSize, Progressable progress) throws IOException {
    return local.create(toLocal(f, "create"), permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
    throw new IOException("an object store does not append: " + f);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    toLocal(dst, "rename");
    return local.rename(toLocal(src, "rename"), toLocal(dst, "rename"));
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    return local.delete(toLocal(f, "delete"), recursive);
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    FileStatus[] statuses = local.listStatus(toLocal(f, "listStatus"));
    for (int i = 0; i < statuses.length; i++) {
      statuses[i] = withPath(statuses[i], new Path(makeQualified(f), statuses[i].getPath().getName()));
    }
    return statuses;
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    return withPath(local.getFileStatus(toLocal(f, "getFileStatus")), makeQualified(f));
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    return local.mkdirs(toLocal(f, "mkdirs"), permission);
  }

  @Override
  public void setWorkingDirectory(Path dir) {
    throw new UnsupportedOperationException("an object store has no working directory");
  }

  @Override
  public Path getWorkingDirectory() {
    return new Path(uri);
  }

  private Path toLocal(Path f, String operation) throws IOException {
    Path qualified = makeQualified(f);
    Path root = BUCKETS.get(qualified.toUri().getAuthority());
    if (root == null) {
      throw new FileNotFoundException("no such bucket: " + qualified);
    }
    String key = qualified.toUri().getPath().replaceFirst("^/", "");
    int slash = key.indexOf('/');
    AwsCallRecord.add("s3fs", operation, "object", slash < 0 ? key : key.substring(0, slash + 1));
    return key.isEmpty() ? root : new Path(root, key);
  }

  private static FileStatus withPath(FileStatus status, Path path) throws IOException {
    FileStatus copy = new FileStatus(status);
    copy.setPath(path);
    return copy;
  }
}
