package com.pulso.glue;

import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT32;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import com.pulso.report.ReportLayout.Row;
import java.io.IOException;
import java.math.RoundingMode;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;

/**
 * A report as one Parquet file, columns named as {@link Row}: what Athena and the Glue catalog read
 * (and Spark: {@code totalAmount} is decimal(18, 2), {@code date} a date). Written straight into a
 * stream, so that the file is one object of a name of our choosing, and its size and hash come out
 * of the writing.
 */
final class ReportParquet {

  static final MessageType SCHEMA = Types.buildMessage()
      .required(INT32).named(Row.PROVIDER_ID)
      .required(INT32).as(LogicalTypeAnnotation.dateType()).named(Row.DATE)
      .required(INT64).named(Row.CLIENT_ID)
      .optional(BINARY).as(LogicalTypeAnnotation.stringType()).named(Row.FIRST_NAME)
      .optional(BINARY).as(LogicalTypeAnnotation.stringType()).named(Row.LAST_NAME)
      .required(INT64).named(Row.TRANSACTIONS)
      .required(INT64).as(LogicalTypeAnnotation.decimalType(2, 18)).named(Row.TOTAL_AMOUNT)
      .named("report_row");

  private ReportParquet() {}

  /** Writes the report's rows into {@code out} and closes it. */
  static void write(DailyReport report, HashingOutputStream out, Configuration conf) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    int epochDay = Math.toIntExact(report.day().toEpochDay());
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new StreamOutputFile(out))
        .withType(SCHEMA)
        .withConf(conf)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .build()) {
      for (DailyReport.Row row : report.rows()) {
        Group group = groups.newGroup()
            .append(Row.PROVIDER_ID, report.providerId())
            .append(Row.DATE, epochDay)
            .append(Row.CLIENT_ID, row.clientId());
        if (row.firstName() != null) {
          group.append(Row.FIRST_NAME, row.firstName());
        }
        if (row.lastName() != null) {
          group.append(Row.LAST_NAME, row.lastName());
        }
        group.append(Row.TRANSACTIONS, row.transactions())
            .append(Row.TOTAL_AMOUNT, row.totalAmount().setScale(2, RoundingMode.UNNECESSARY).unscaledValue().longValueExact());
        writer.write(group);
      }
    }
  }

  /** Parquet's view of an already open stream (it writes from the start and closes it at the end). */
  private record StreamOutputFile(HashingOutputStream out) implements OutputFile {
    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new PositionOutputStream() {
        @Override
        public long getPos() {
          return out.bytes();
        }

        @Override
        public void write(int b) throws IOException {
          out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
          out.flush();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }
}
