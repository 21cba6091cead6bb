// The job's entry point on AWS Glue (job parameter --class PulsoDailyReport): Glue runs a Scala
// script's main, which hands Glue's arguments to the Java job. infra/'s BatchStack uploads it with the
// job's jars (glue-job/target/glue); DailyReportJob tells Glue's runs from local ones by --JOB_RUN_ID.
object PulsoDailyReport {
  def main(sysArgs: Array[String]): Unit = com.pulso.glue.DailyReportJob.main(sysArgs)
}
