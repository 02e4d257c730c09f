package dev.kiln.runtime.io;

import java.io.IOException;

/** A consumer that may throw {@link IOException}: the body that fills a file in {@link AtomicFiles}. */
@FunctionalInterface
public interface IOConsumer<T> {
  void accept(T t) throws IOException;
}
