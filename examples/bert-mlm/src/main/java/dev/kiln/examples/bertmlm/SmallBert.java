package dev.kiln.examples.bertmlm;

import dev.kiln.dsl.annotation.Model;

/**
 * The standard library's BERT with its masked-LM head ({@code BertForMaskedLM} of {@code
 * bert.model}, which the processor finds in the kiln-stdlib jar), at a small size: 2 layers of
 * width 128 instead of BERT-base's 12 of 768, sequences of at most 64 tokens, BERT's uncased
 * WordPiece vocabulary of 30,522 tokens. Kiln generates {@code SmallBertModel} from it at javac
 * time.
 */
@Model(
    source = "bert.model",
    name = "BertForMaskedLM",
    config = "layers = 2, d = 128, heads = 4, ff = 256, ctx = 64")
public interface SmallBert {}
