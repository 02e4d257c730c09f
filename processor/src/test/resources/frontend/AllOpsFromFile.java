package fromfile;

import dev.kiln.dsl.annotation.Model;

/** The same model as annotated.AllOps, read from all_ops.model. */
@Model(source = "all_ops.model")
public interface AllOpsFromFile {}
