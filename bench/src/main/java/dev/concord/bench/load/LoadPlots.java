package dev.concord.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG plots of a {@link LoadReport} (JFreeChart, headless). */
final class LoadPlots {
  private LoadPlots() {}

  static List<Path> write(LoadReport report, Path dir) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Path> out = new ArrayList<>();
    DefaultCategoryDataset deliveries = new DefaultCategoryDataset();
    DefaultCategoryDataset p99 = new DefaultCategoryDataset();
    for (LoadReport.Run r : report.runs) {
      deliveries.addValue(r.burst.deliveriesPerSecond() / 1000, r.target, "N = " + r.n);
      p99.addValue(r.burst.ms(99), r.target, "N = " + r.n);
    }
    out.add(save(ChartFactory.createBarChart("Burst: deliveries per second", "", "thousand deliveries / s", deliveries), dir.resolve("burst-deliveries.png")));
    out.add(save(ChartFactory.createBarChart("Burst: p99 latency, publish to receipt", "", "ms", p99), dir.resolve("burst-p99.png")));
    XYSeriesCollection latency = new XYSeriesCollection();
    XYSeriesCollection rate = new XYSeriesCollection();
    for (LoadReport.Run r : report.runs) {
      if (r.series.isEmpty()) {
        continue;
      }
      XYSeries s50 = new XYSeries(r.target + " p50");
      XYSeries s99 = new XYSeries(r.target + " p99");
      XYSeries d = new XYSeries(r.target + " N=" + r.n);
      for (LoadReport.Point p : r.series) {
        if (p.deliveries() > 0) { // a second without frames has no latency, not a latency of 0
          s50.add(p.t(), p.p50Ms());
          s99.add(p.t(), p.p99Ms());
        }
        d.add(p.t(), p.deliveries());
      }
      latency.addSeries(s50);
      latency.addSeries(s99);
      rate.addSeries(d);
    }
    if (latency.getSeriesCount() > 0) {
      out.add(save(ChartFactory.createXYLineChart("Fixed rate: latency over time", "seconds", "ms", latency), dir.resolve("rate-latency.png")));
      out.add(save(ChartFactory.createXYLineChart("Fixed rate: deliveries per second", "seconds", "deliveries", rate), dir.resolve("rate-deliveries.png")));
    }
    return out;
  }

  private static Path save(JFreeChart chart, Path file) throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 500);
    return file;
  }
}
