package dev.kiln.runtime.tokenize;

import dev.kiln.runtime.KilnException;
import dev.kiln.runtime.json.Json;
import dev.kiln.runtime.json.JsonException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses GPT-2's {@code encoder.json} and {@code vocab.bpe} into ids and merges, checking both. */
final class Gpt2Vocab {
  /** Token spelling by id; null where encoder.json leaves an id unused. */
  final String[] tokens;

  final Map<String, Integer> ids;
  final Bpe bpe;

  private Gpt2Vocab(String[] tokens, Map<String, Integer> ids, Bpe bpe) {
    this.tokens = tokens;
    this.ids = ids;
    this.bpe = bpe;
  }

  static Gpt2Vocab parse(byte[] encoderJson, String encoderName, byte[] vocabBpe, String bpeName) {
    Map<String, Integer> ids = parseEncoder(encoderJson, encoderName);
    int size = 0;
    for (int id : ids.values()) {
      size = Math.max(size, id + 1);
    }
    String[] tokens = new String[size];
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      String other = tokens[e.getValue()];
      if (other != null) {
        throw new KilnException(encoderName + ": id " + e.getValue() + " is used by both "
            + Json.quote(other) + " and " + Json.quote(e.getKey()));
      }
      tokens[e.getValue()] = e.getKey();
    }
    for (int b = 0; b < 256; b++) {
      String spelling = String.valueOf(ByteLevel.charOf(b));
      if (!ids.containsKey(spelling)) {
        throw new KilnException(String.format(
            "%s: no token for byte 0x%02X (spelled %s), so some text could not be encoded",
            encoderName, b, Json.quote(spelling)));
      }
    }
    return new Gpt2Vocab(
        tokens, ids, parseMerges(VocabFiles.utf8(vocabBpe, bpeName), bpeName, ids, encoderName));
  }

  private static Map<String, Integer> parseEncoder(byte[] json, String name) {
    Object root;
    try {
      root = Json.parseUtf8(json);
    } catch (JsonException e) {
      throw new KilnException(name + ": not valid JSON: " + e.getMessage(), e);
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new KilnException(name + ": expected a JSON object mapping token strings to ids");
    }
    Map<String, Integer> ids =
        new LinkedHashMap<>(map.size() * 2); // file order, for stable messages
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String token = (String) e.getKey(); // the parser only makes String keys
      if (!(e.getValue() instanceof Long id) || id < 0 || id >= Integer.MAX_VALUE) {
        throw new KilnException(name + ": token " + Json.quote(token) + " has id "
            + Json.write(e.getValue()) + ", expected a non-negative integer");
      }
      ids.put(token, (int) (long) id);
    }
    if (ids.isEmpty()) {
      throw new KilnException(name + ": empty vocabulary");
    }
    return ids;
  }

  private static Bpe parseMerges(
      String text, String name, Map<String, Integer> ids, String encoderName) {
    String[] lines = VocabFiles.lines(text);
    // OpenAI's reader drops the first line unconditionally; it is the "#version: 0.2" header.
    int first = lines.length > 0 && lines[0].startsWith("#version") ? 1 : 0;
    int n = lines.length - first;
    int[] left = new int[n];
    int[] right = new int[n];
    int[] merged = new int[n];
    for (int r = 0; r < n; r++) {
      int lineNo = first + r + 1;
      String line = lines[first + r];
      int space = line.indexOf(' ');
      if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
        throw new KilnException(name + " line " + lineNo
            + ": expected two symbols separated by one space, got " + Json.quote(line));
      }
      String a = line.substring(0, space);
      String b = line.substring(space + 1);
      left[r] = idOf(ids, a, name, lineNo, "symbol", encoderName);
      right[r] = idOf(ids, b, name, lineNo, "symbol", encoderName);
      merged[r] = idOf(ids, a + b, name, lineNo, "merged symbol", encoderName);
    }
    return new Bpe(left, right, merged);
  }

  private static int idOf(
      Map<String, Integer> ids,
      String symbol,
      String name,
      int lineNo,
      String what,
      String encoderName) {
    Integer id = ids.get(symbol);
    if (id == null) {
      throw new KilnException(name + " line " + lineNo + ": " + what + " " + Json.quote(symbol)
          + " is not in " + encoderName);
    }
    return id;
  }
}
