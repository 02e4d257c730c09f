package dev.kiln.runtime.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns IOExceptions into short reasons for messages that already name the file concerned. */
final class IoErrors {
  private IoErrors() {}

  /**
   * The reason {@code e} happened, e.g. "No space left on device". FileSystemExceptions carry the path
   * in getMessage() and often no reason at all, so their type is translated instead.
   */
  static String describe(IOException e) {
    return switch (e) {
      case NoSuchFileException f -> "no such file or directory: " + f.getFile();
      case AccessDeniedException f -> "permission denied: " + f.getFile();
      case FileAlreadyExistsException f -> "file already exists: " + f.getFile();
      case NotDirectoryException f -> "not a directory: " + f.getFile();
      case FileSystemException f when f.getReason() != null -> f.getReason();
      default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    };
  }
}
