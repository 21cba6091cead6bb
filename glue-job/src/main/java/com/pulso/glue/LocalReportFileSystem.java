package com.pulso.glue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local file system for reports written to a directory: Hadoop's, without checksum files, and
 * setting permissions in the JVM. Without Hadoop's native library (not on the local runner's
 * classpath) Hadoop starts a {@code chmod} process for every file and directory it creates.
 */
final class LocalReportFileSystem extends RawLocalFileSystem {

  @Override
  public void setPermission(Path path, FsPermission permission) throws IOException {
    // FsPermission prints as rwxr-xr-x; a sticky bit would not parse, and reports never ask for one.
    Files.setPosixFilePermissions(pathToFile(path).toPath(), PosixFilePermissions.fromString(permission.toString()));
  }
}
