package dev.kiln.runtime.viz;

import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.model.AttentionSite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Attention of one input, captured from a model's {@link AttentionSite}s after a forward pass (batch
 * item 0), with a per-head pattern summary and a self-contained HTML page of three views:
 *
 * <ul>
 *   <li>head view: the tokens on both sides, lines weighted by attention, layer and head selectors;
 *   <li>model view: every layer × head as a small heat map, click to open it in the head view;
 *   <li>detail view: for one head and query, the query vector, each key vector, their element-wise
 *       product, the scaled dot products and the softmax.
 * </ul>
 *
 * <p>The page fetches nothing; the data is embedded as JSON and tokens are inserted as text, never as
 * markup, so a token such as {@code <script>} shows as itself.
 */
public final class AttentionViz {
  /** One layer: its name, mask, and per head the [query][key] probabilities. */
  public record Layer(
      String name,
      String mask,
      List<String> queryTokens,
      List<String> keyTokens,
      double[][][] probs,
      float[][][] q,
      float[][][] k) {
    public int queries() {
      return queryTokens.size();
    }

    public int keys() {
      return keyTokens.size();
    }
  }

  /** The captured attention: query-side and key-side tokens (they differ for cross-attention). */
  public record Capture(List<String> queryTokens, List<String> keyTokens, List<Layer> layers) {}

  /** A head's dominant pattern and its score in [0, 1]. */
  public record Pattern(String layer, int head, String kind, double score) {}

  /** Vectors are embedded for the detail view only up to this many positions. */
  static final int DETAIL_MAX_TOKENS = 64;

  private AttentionViz() {}

  /**
   * Captures batch item 0 of every site whose query and key lengths match the given tokens (self-
   * attention over {@code tokens}, or cross-attention from {@code tokens} to {@code keyTokens}).
   */
  public static Capture capture(
      List<AttentionSite> sites, List<String> tokens, List<String> keyTokens) {
    List<String> other = keyTokens == null ? tokens : keyTokens;
    List<Layer> layers = new ArrayList<>();
    for (AttentionSite s : sites) {
      // Which side is which: decoder self-attention and cross-attention read the first list as
      // queries; an encoder's self-attention reads the second list on both sides.
      List<String> qs = s.tq() == tokens.size() ? tokens : s.tq() == other.size() ? other : null;
      List<String> ks = s.tk() == s.tq() ? qs : s.tk() == other.size() ? other : null;
      if (qs == null || ks == null) {
        continue;
      }
      double[][][] probs = new double[s.heads()][][];
      boolean detail = s.tq() <= DETAIL_MAX_TOKENS && s.tk() <= DETAIL_MAX_TOKENS;
      float[][][] q = detail ? new float[s.heads()][s.tq()][] : null;
      float[][][] k = detail ? new float[s.heads()][s.tk()][] : null;
      for (int h = 0; h < s.heads(); h++) {
        probs[h] = s.probabilities(0, h);
        for (int t = 0; detail && t < s.tq(); t++) {
          q[h][t] = s.query(0, t, h);
        }
        for (int t = 0; detail && t < s.tk(); t++) {
          k[h][t] = s.key(0, t, h);
        }
      }
      String mask = s.mask() == null ? "full" : s.mask().describe();
      layers.add(new Layer(
          s.name(), s.lengths() == null ? mask : mask + " & padding", qs, ks, probs, q, k));
    }
    return new Capture(tokens, other, layers);
  }

  /**
   * Per layer and head, the dominant pattern among: next token, previous token, delimiter ([CLS],
   * [SEP] and similar, or the first position), same token (other positions holding the same token)
   * and broad (no single kind above 0.4; its score is the normalised entropy). Each kind's score is
   * the mean attention mass, over queries, that the kind's keys receive.
   */
  public static List<Pattern> patterns(Capture c) {
    List<Pattern> out = new ArrayList<>();
    for (Layer l : c.layers()) {
      for (int h = 0; h < l.probs().length; h++) {
        double[][] p = l.probs()[h];
        double next = 0;
        double prev = 0;
        double delim = 0;
        double same = 0;
        double entropy = 0;
        int nextN = 0;
        int prevN = 0;
        int sameN = 0;
        for (int t = 0; t < l.queries(); t++) {
          if (t + 1 < l.keys()) {
            next += p[t][t + 1];
            nextN++;
          }
          if (t > 0 && t - 1 < l.keys()) {
            prev += p[t][t - 1];
            prevN++;
          }
          double d = 0;
          double sm = 0;
          boolean hasSame = false;
          for (int s = 0; s < l.keys(); s++) {
            if (isDelimiter(l.keyTokens().get(s), s)) {
              d += p[t][s];
            }
            if (s != t && l.keyTokens().get(s).equals(l.queryTokens().get(t))) {
              sm += p[t][s];
              hasSame = true;
            }
            if (p[t][s] > 0) {
              entropy -= p[t][s] * Math.log(p[t][s]) / Math.log(Math.max(2, l.keys()));
            }
          }
          delim += d;
          if (hasSame) {
            same += sm;
            sameN++;
          }
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("next token", nextN == 0 ? 0 : next / nextN);
        scores.put("previous token", prevN == 0 ? 0 : prev / prevN);
        scores.put("delimiter", delim / l.queries());
        scores.put("same token", sameN == 0 ? 0 : same / sameN);
        String best = "broad";
        double bestScore = 0.4;
        for (Map.Entry<String, Double> e : scores.entrySet()) {
          if (e.getValue() > bestScore) {
            best = e.getKey();
            bestScore = e.getValue();
          }
        }
        out.add(new Pattern(
            l.name(), h, best, best.equals("broad") ? entropy / l.queries() : bestScore));
      }
    }
    return out;
  }

  private static boolean isDelimiter(String token, int position) {
    return position == 0
        || token.equals("[CLS]")
        || token.equals("[SEP]")
        || token.equals("<|endoftext|>");
  }

  /** The summary as printed by {@code kiln viz}: one line per layer, a cell per head. */
  public static String summary(List<Pattern> patterns) {
    StringBuilder sb = new StringBuilder();
    String layer = null;
    for (Pattern p : patterns) {
      if (!p.layer().equals(layer)) {
        sb.append(layer == null ? "" : "\n").append(p.layer()).append(':');
        layer = p.layer();
      }
      sb.append(String.format(Locale.ROOT, "  h%d %s %.2f", p.head(), p.kind(), p.score()));
    }
    return sb.append('\n').toString();
  }

  /** The self-contained HTML page. */
  public static String html(Capture c, List<Pattern> patterns, String title) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("title", title);
    data.put("queryTokens", c.queryTokens());
    data.put("keyTokens", c.keyTokens());
    List<Object> layers = new ArrayList<>();
    for (Layer l : c.layers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", l.name());
      m.put("mask", l.mask());
      m.put("queryTokens", l.queryTokens());
      m.put("keyTokens", l.keyTokens());
      m.put("probs", rounded(l.probs()));
      if (l.q() != null) {
        m.put("q", floats(l.q()));
        m.put("k", floats(l.k()));
      }
      layers.add(m);
    }
    data.put("layers", layers);
    List<Object> pats = new ArrayList<>();
    for (Pattern p : patterns) {
      pats.add(List.of(p.layer(), p.head(), p.kind(), Math.round(p.score() * 1000) / 1000.0));
    }
    data.put("patterns", pats);
    // Every "<" as the JSON escape for U+003C: no "</script>" or "<!--" inside the data can end
    // or alter the script element.
    String json = Json.write(data).replace("<", "\\u003c");
    return PAGE.replace("__TITLE__", Html.escape(title)).replace("__DATA__", json);
  }

  private static List<Object> rounded(double[][][] p) {
    List<Object> heads = new ArrayList<>();
    for (double[][] head : p) {
      List<Object> rows = new ArrayList<>();
      for (double[] row : head) {
        List<Object> r = new ArrayList<>();
        for (double x : row) {
          r.add(Math.round(x * 1e4) / 1e4);
        }
        rows.add(r);
      }
      heads.add(rows);
    }
    return heads;
  }

  private static List<Object> floats(float[][][] v) {
    List<Object> heads = new ArrayList<>();
    for (float[][] head : v) {
      List<Object> rows = new ArrayList<>();
      for (float[] row : head) {
        List<Object> r = new ArrayList<>();
        for (float x : row) {
          r.add(Math.round(x * 1e4) / 1e4);
        }
        rows.add(r);
      }
      heads.add(rows);
    }
    return heads;
  }

  private static final String PAGE = """
      <!DOCTYPE html>
      <html><head><meta charset="utf-8"><title>__TITLE__</title>
      <style>
      body { font-family: sans-serif; margin: 16px; color: #222; }
      h2 { margin: 20px 0 6px; font-size: 17px; }
      .tok { font: 13px monospace; height: 18px; line-height: 18px; padding: 0 4px; white-space: pre; cursor: default; }
      .left { text-align: right; } .hl { background: #ffe08a; }
      #headview { display: flex; align-items: flex-start; gap: 0; }
      #grid { display: grid; gap: 4px; }
      #grid canvas { border: 1px solid #ccc; cursor: pointer; image-rendering: pixelated; }
      table.detail { border-collapse: collapse; font: 12px monospace; }
      table.detail td { padding: 1px 4px; }
      .bar { display: inline-block; height: 10px; vertical-align: middle; }
      </style></head><body>
      <h1 style="font-size:20px">__TITLE__</h1>
      <div>layer <select id="layer"></select> head <select id="head"></select> <span id="maskname"></span></div>
      <h2>Head view</h2><div id="headview"><div id="lefttoks"></div><svg id="lines" width="200"></svg><div id="righttoks"></div></div>
      <h2>Model view (layers × heads; click to open)</h2><div id="grid"></div>
      <h2>Detail view (query <select id="query"></select>)</h2><div id="detail"></div>
      <h2>Patterns</h2><pre id="patterns"></pre>
      <script id="data" type="application/json">__DATA__</script>
      <script>
      window.addEventListener('error', e => document.body.setAttribute('data-error', String(e.message)));
      const D = JSON.parse(document.getElementById('data').textContent);
      const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
      const layerSel = document.getElementById('layer'), headSel = document.getElementById('head'), querySel = document.getElementById('query');
      D.layers.forEach((l, i) => layerSel.appendChild(new Option(l.name, i)));
      const heads = D.layers.length ? D.layers[0].probs.length : 0;
      for (let h = 0; h < heads; h++) headSel.appendChild(new Option(h, h));
      function queries() { const l = D.layers[+layerSel.value]; querySel.replaceChildren();
        l.queryTokens.forEach((t, i) => querySel.appendChild(new Option(i + ': ' + t, i))); }
      function headView() {
        const l = D.layers[+layerSel.value]; if (!l) return;
        const p = l.probs[+headSel.value];
        document.getElementById('maskname').textContent = 'mask: ' + l.mask;
        const left = document.getElementById('lefttoks'), right = document.getElementById('righttoks'), svg = document.getElementById('lines');
        left.replaceChildren(); right.replaceChildren(); svg.replaceChildren();
        const qt = l.queryTokens, kt = l.keyTokens;
        qt.forEach((t, i) => { const d = el('div', 'tok left', t); d.onmouseenter = () => draw(i); d.onmouseleave = () => draw(-1); left.appendChild(d); });
        kt.forEach(t => right.appendChild(el('div', 'tok', t)));
        svg.setAttribute('height', 18 * Math.max(qt.length, kt.length));
        function draw(only) {
          svg.replaceChildren();
          [...left.children].forEach((c, i) => c.classList.toggle('hl', i === only));
          p.forEach((row, i) => row.forEach((w, j) => {
            if (w < 0.01 || (only >= 0 && i !== only)) return;
            const ln = document.createElementNS('http://www.w3.org/2000/svg', 'line');
            ln.setAttribute('x1', 0); ln.setAttribute('y1', 18 * i + 9); ln.setAttribute('x2', 200); ln.setAttribute('y2', 18 * j + 9);
            ln.setAttribute('stroke', '#1f77b4'); ln.setAttribute('stroke-opacity', Math.min(1, w)); ln.setAttribute('stroke-width', 2);
            svg.appendChild(ln);
          }));
        }
        draw(-1);
        detailView();
      }
      function modelView() {
        const grid = document.getElementById('grid');
        grid.style.gridTemplateColumns = 'repeat(' + heads + ', 64px)';
        D.layers.forEach((l, li) => l.probs.forEach((p, h) => {
          const c = el('canvas'); c.width = p[0].length; c.height = p.length; c.style.width = '64px'; c.style.height = '64px';
          c.title = l.name + ' head ' + h;
          const ctx = c.getContext('2d'), img = ctx.createImageData(c.width, c.height);
          p.forEach((row, i) => row.forEach((w, j) => { const o = 4 * (i * c.width + j), v = Math.round(255 * (1 - Math.min(1, w)));
            img.data[o] = v; img.data[o + 1] = v; img.data[o + 2] = 255; img.data[o + 3] = 255; }));
          ctx.putImageData(img, 0, 0);
          c.onclick = () => { layerSel.value = li; headSel.value = h; queries(); headView(); document.getElementById('headview').scrollIntoView(); };
          grid.appendChild(c);
        }));
      }
      function detailView() {
        const box = document.getElementById('detail'); box.replaceChildren();
        const l = D.layers[+layerSel.value]; if (!l) return;
        const h = +headSel.value, t = +querySel.value;
        if (!l.q || t >= l.q[h].length) { box.appendChild(el('p', null, 'vectors are shown for inputs of up to 64 tokens')); return; }
        const q = l.q[h][t], scale = 1 / Math.sqrt(q.length);
        const bars = v => { const s = el('span'); v.forEach(x => { const b = el('span', 'bar'); b.style.width = '3px';
          b.style.background = x >= 0 ? 'rgba(31,119,180,' + Math.min(1, Math.abs(x)) + ')' : 'rgba(214,39,40,' + Math.min(1, Math.abs(x)) + ')'; s.appendChild(b); }); return s; };
        const table = el('table', 'detail');
        const head = el('tr'); ['key', 'query q', 'key k', 'q × k', 'q·k / √d', 'softmax'].forEach(x => head.appendChild(el('td', null, x))); table.appendChild(head);
        l.k[h].forEach((k, s) => {
          const tr = el('tr'); const prod = q.map((x, i) => x * k[i]); const dot = prod.reduce((a, b) => a + b, 0) * scale;
          tr.appendChild(el('td', null, l.keyTokens[s]));
          const c1 = el('td'); c1.appendChild(bars(q)); tr.appendChild(c1);
          const c2 = el('td'); c2.appendChild(bars(k)); tr.appendChild(c2);
          const c3 = el('td'); c3.appendChild(bars(prod)); tr.appendChild(c3);
          tr.appendChild(el('td', null, dot.toFixed(3)));
          tr.appendChild(el('td', null, l.probs[h][t][s].toFixed(3)));
          table.appendChild(tr);
        });
        box.appendChild(table);
      }
      document.getElementById('patterns').textContent = D.patterns.map(p => p[0] + ' head ' + p[1] + ': ' + p[2] + ' (' + p[3] + ')').join('\\n');
      layerSel.onchange = () => { queries(); headView(); }; headSel.onchange = headView; querySel.onchange = detailView;
      queries(); modelView(); headView();
      document.body.setAttribute('data-ready', 'true');
      </script></body></html>
      """;
}
