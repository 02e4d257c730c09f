package fromfile;

import dev.kiln.dsl.annotation.Model;

/** The same model as annotated.TinyGpt, read from tiny_gpt.model. */
@Model(source = "tiny_gpt.model")
public interface TinyGptFromFile {}
