package dev.kiln.cli;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.io.AtomicFiles;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.viz.Html;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Training curves from {@code metrics.jsonl} files: loss, learning rate and tokens/s against the
 * step, one panel each, several runs overlaid. Written as a self-contained HTML page (inline SVG,
 * nothing fetched when viewed) or as a PNG. A step logged twice (a resumed run repeats the steps
 * after its last checkpoint) keeps its last value.
 */
final class Plot {
  private Plot() {}

  /** One run: its label and its metrics by step. */
  record Run(String label, TreeMap<Long, double[]> points) {}

  private static final String[] METRICS = {"loss", "lr", "tokens_per_s"};
  private static final String[] TITLES = {"loss", "learning rate", "tokens / s"};
  private static final Color[] COLORS = {
    new Color(0x1f77b4),
    new Color(0xd62728),
    new Color(0x2ca02c),
    new Color(0x9467bd),
    new Color(0xff7f0e),
    new Color(0x17becf)
  };
  private static final int W = 900;
  private static final int PANEL_H = 220;

  static Run read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new KilnException("metrics file " + file + " does not exist");
    }
    TreeMap<Long, double[]> points = new TreeMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new KilnException("cannot read " + file + ": " + e.getMessage());
    }
    int n = 0;
    for (String line : lines) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      Object o;
      try {
        o = Json.parse(line);
      } catch (RuntimeException e) {
        if (n == lines.size()) {
          continue; // a run killed mid-write leaves a partial last line
        }
        throw new KilnException(file + ":" + n + ": not a JSON metrics line: " + e.getMessage());
      }
      if (!(o instanceof Map<?, ?> m) || !(m.get("step") instanceof Number step)) {
        throw new KilnException(file + ":" + n + ": a metrics line needs a numeric \"step\"");
      }
      double[] v = new double[METRICS.length];
      for (int i = 0; i < METRICS.length; i++) {
        v[i] = m.get(METRICS[i]) instanceof Number x ? x.doubleValue() : Double.NaN;
      }
      points.put(step.longValue(), v);
    }
    if (points.isEmpty()) {
      throw new KilnException(file + ": no metrics lines");
    }
    Path parent = file.toAbsolutePath().getParent();
    return new Run(parent == null ? file.toString() : parent.getFileName().toString(), points);
  }

  /** Writes {@code run/loss.html} from {@code run/metrics.jsonl}; returns its path. */
  static Path writeFor(Path run) {
    Path html = run.resolve("loss.html");
    write(List.of(read(run.resolve("metrics.jsonl"))), html);
    return html;
  }

  /** Writes the runs' curves to {@code out}: {@code .png}, otherwise HTML. */
  static void write(List<Run> runs, Path out) {
    try {
      if (out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
        BufferedImage img =
            new BufferedImage(W, PANEL_H * METRICS.length + 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        draw(runs, new Png(g));
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        AtomicFiles.writeBytes(out, bytes.toByteArray());
      } else {
        Svg svg = new Svg();
        draw(runs, svg);
        String title = "Kiln training: "
            + Html.escape(String.join(", ", runs.stream().map(Run::label).toList()));
        AtomicFiles.writeString(
            out,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n"
                + "<body style=\"font-family:sans-serif\">\n<h3>" + title
                + "</h3>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""
                + W + "\" height=\"" + (PANEL_H * METRICS.length + 40) + "\">\n" + svg.body
                + "</svg>\n</body></html>\n");
      }
    } catch (IOException e) {
      throw new KilnException("cannot write " + out + ": " + e.getMessage());
    }
  }

  /** What a panel needs from a drawing surface; SVG text and Java2D implement it. */
  private interface Canvas {
    void line(double x0, double y0, double x1, double y1, Color c, float width);

    void polyline(List<double[]> xy, Color c);

    void text(double x, double y, String s, Color c, boolean right);
  }

  private static void draw(List<Run> runs, Canvas c) {
    for (int r = 0; r < runs.size(); r++) {
      c.text(70 + 160 * r, 20, "— " + runs.get(r).label(), COLORS[r % COLORS.length], false);
    }
    for (int k = 0; k < METRICS.length; k++) {
      double top = 40 + k * PANEL_H;
      double left = 70;
      double right = W - 20;
      double bottom = top + PANEL_H - 40;
      double minX = Double.MAX_VALUE;
      double maxX = -Double.MAX_VALUE;
      double minY = Double.MAX_VALUE;
      double maxY = -Double.MAX_VALUE;
      for (Run run : runs) {
        for (Map.Entry<Long, double[]> e : run.points().entrySet()) {
          double y = e.getValue()[k];
          if (Double.isFinite(y)) {
            minX = Math.min(minX, e.getKey());
            maxX = Math.max(maxX, e.getKey());
            minY = Math.min(minY, y);
            maxY = Math.max(maxY, y);
          }
        }
      }
      c.text(left, top + 12, TITLES[k], Color.BLACK, false);
      c.line(left, bottom, right, bottom, Color.GRAY, 1);
      c.line(left, top + 20, left, bottom, Color.GRAY, 1);
      if (minX > maxX) {
        continue; // nothing finite to show
      }
      if (maxY - minY < 1e-12 * Math.max(1, Math.abs(maxY))) {
        maxY = minY + Math.max(1e-12, Math.abs(minY) * 0.05);
      }
      double spanX = Math.max(1, maxX - minX);
      c.text(left - 4, top + 24, fmt(maxY), Color.DARK_GRAY, true);
      c.text(left - 4, bottom, fmt(minY), Color.DARK_GRAY, true);
      c.text(left, bottom + 16, "step " + (long) minX, Color.DARK_GRAY, false);
      c.text(right, bottom + 16, "step " + (long) maxX, Color.DARK_GRAY, true);
      for (int r = 0; r < runs.size(); r++) {
        List<double[]> xy = new ArrayList<>();
        for (Map.Entry<Long, double[]> e : runs.get(r).points().entrySet()) {
          double y = e.getValue()[k];
          if (Double.isFinite(y)) {
            xy.add(new double[] {
              left + (e.getKey() - minX) / spanX * (right - left),
              bottom - (y - minY) / (maxY - minY) * (bottom - top - 20)
            });
          }
        }
        c.polyline(xy, COLORS[r % COLORS.length]);
      }
    }
  }

  private static String fmt(double v) {
    return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v != 0)
        ? String.format(Locale.ROOT, "%.2e", v)
        : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String rgb(Color c) {
    return String.format("#%06x", c.getRGB() & 0xffffff);
  }

  private static final class Svg implements Canvas {
    final StringBuilder body = new StringBuilder();

    @Override
    public void line(double x0, double y0, double x1, double y1, Color c, float width) {
      body.append(String.format(
          Locale.ROOT,
          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"/>%n",
          x0,
          y0,
          x1,
          y1,
          rgb(c),
          width));
    }

    @Override
    public void polyline(List<double[]> xy, Color c) {
      StringBuilder pts = new StringBuilder();
      for (double[] p : xy) {
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", p[0], p[1]));
      }
      body.append("<polyline fill=\"none\" stroke=\"")
          .append(rgb(c))
          .append("\" stroke-width=\"1.5\" points=\"")
          .append(pts.toString().strip())
          .append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, Color c, boolean right) {
      body.append(String.format(
          Locale.ROOT,
          "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"12\"%s>%s</text>%n",
          x,
          y,
          rgb(c),
          right ? " text-anchor=\"end\"" : "",
          Html.escape(s)));
    }
  }

  private record Png(Graphics2D g) implements Canvas {
    Png {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    @Override
    public void line(double x0, double y0, double x1, double y1, Color c, float width) {
      g.setColor(c);
      g.setStroke(new BasicStroke(width));
      g.draw(new java.awt.geom.Line2D.Double(x0, y0, x1, y1));
    }

    @Override
    public void polyline(List<double[]> xy, Color c) {
      if (xy.isEmpty()) {
        return;
      }
      Path2D.Double path = new Path2D.Double();
      path.moveTo(xy.get(0)[0], xy.get(0)[1]);
      for (double[] p : xy.subList(1, xy.size())) {
        path.lineTo(p[0], p[1]);
      }
      g.setColor(c);
      g.setStroke(new BasicStroke(1.5f));
      g.draw(path);
    }

    @Override
    public void text(double x, double y, String s, Color c, boolean right) {
      g.setColor(c);
      int w = right ? g.getFontMetrics().stringWidth(s) : 0;
      g.drawString(s, (float) (x - w), (float) y);
    }
  }
}
