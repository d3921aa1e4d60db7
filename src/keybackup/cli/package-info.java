/**
 * Not exported: the {@code keybackup} command ({@link keybackup.cli.Main}). Results go to stdout as exact
 * UTF-8 bytes, diagnostics to stderr as {@code keybackup: error: …}; exit 0 success, 1 invalid input or
 * failed verification, 2 usage error. Secrets are read from files, the terminal or stdin, never argv.
 */
package keybackup.cli;
