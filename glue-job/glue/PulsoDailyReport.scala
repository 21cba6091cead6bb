// The Glue job's script (its ScriptLocation): Glue compiles it against its Spark runtime and the job's
// --extra-jars, then runs the object named by --class. All of the job is in pulso-glue-job.jar.
object PulsoDailyReport {
  def main(sysArgs: Array[String]): Unit = com.pulso.glue.DailyReportJob.main(sysArgs)
}
