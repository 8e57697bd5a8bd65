package io.ffrtmp.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ffrtmp metrics --listen}: the running workloads that another wrapper governs, scraped
 * as Prometheus does, every line parsed as the text format; a workload's series end with it.
 */
class CliMetricsIT {
  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (Process p : started) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private Process cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Shell.launcher().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(Shell.withDefaultSignals(cmd));
    pb.environment().put("FFRTMP_JAVA_OPTS", "-Dffrtmp.state=" + dir.resolve("state"));
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private static String scrape(URI uri) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  @Test
  void servesTheRunningWorkloadsOfAnotherWrapper_everyLineParses() throws Exception {
    String job = "metrics-" + ProcessHandle.current().pid();
    Process run = cli("run", "--job-id", job, "--", "sleep", "60");
    Process metrics = cli("metrics", "--listen", "127.0.0.1:0");
    BufferedReader err = new BufferedReader(new InputStreamReader(metrics.getErrorStream(),
        StandardCharsets.UTF_8));
    String line = err.readLine();
    Matcher at = Pattern.compile("\\[wrapper\\] serving Prometheus metrics of the running"
        + " workloads at (http://127\\.0\\.0\\.1:[0-9]+/metrics)").matcher(String.valueOf(line));
    assertTrue(at.matches(), line);
    URI uri = URI.create(at.group(1));
    // the wrapper's workload appears once it is recorded
    Map<String, Double> s = Map.of();
    String series = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (series == null) {
      assertTrue(System.nanoTime() < deadline, "no series of " + job + ": " + s);
      s = Prometheus.parse(scrape(uri));
      series = s.keySet().stream().filter(k -> k.startsWith(
          "ffrtmp_workload_cpu_usage_seconds_total{job_id=\"" + job + "\",pid=\""))
          .findFirst().orElse(null);
      Thread.sleep(100);
    }
    long pid = Long.parseLong(series.replaceAll(".*pid=\"([0-9]+)\".*", "$1"));
    assertTrue(s.get("ffrtmp_jobs_active") >= 1, s.toString());
    // it ends: its series go with it
    ProcessHandle.of(pid).orElseThrow().destroy();
    assertTrue(run.waitFor(30, TimeUnit.SECONDS));
    Map<String, Double> after = Prometheus.parse(scrape(uri));
    assertTrue(after.keySet().stream().noneMatch(k -> k.contains("job_id=\"" + job + "\"")),
        after.toString());
    assertTrue(new ProcessBuilder("kill", "-TERM", Long.toString(metrics.pid())).start()
        .waitFor() == 0);
    assertTrue(metrics.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, metrics.exitValue());
    assertEquals("[wrapper] stopped serving metrics", err.readLine());
  }
}
