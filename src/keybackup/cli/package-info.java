/**
 * Not exported: the {@code keybackup} command ({@link keybackup.cli.Main}). Results go to stdout as exact
 * UTF-8 bytes, diagnostics to stderr as {@code keybackup: error: …}; exit 0 success, 1 invalid input or
 * failed verification, 2 usage error. Secrets are read from files, the terminal or stdin, never argv.
 * {@link keybackup.cli.Io} is the only way out: it escapes every text line ({@link keybackup.cli.TerminalText})
 * and removes the access token from everything written, text or JSON. A long command that is interrupted
 * says what was done and how to go on ({@link keybackup.cli.Interrupts}). {@link keybackup.cli.NewIdentity}
 * makes the cross-signing identity of {@code setup} and {@code demo}: a stand-in, so not API.
 */
package keybackup.cli;
