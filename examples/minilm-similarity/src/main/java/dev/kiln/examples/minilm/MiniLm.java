package dev.kiln.examples.minilm;

import dev.kiln.dsl.annotation.Model;

/**
 * The standard library's bare BERT encoder ({@code BertModel} of {@code bert.model}) at the shape
 * of all-MiniLM-L6-v2: 6 layers of width 384, 12 heads, feed-forward 1536, BERT's uncased
 * vocabulary, no pooler (sentence-transformers mean-pools the last hidden state instead). Kiln
 * generates {@code MiniLmModel} from it at javac time; the released weights are loaded into it at
 * run time.
 */
@Model(
    source = "bert.model",
    name = "BertModel",
    config = "layers = 6, d = 384, heads = 12, ff = 1536, pooler = false")
public interface MiniLm {}
