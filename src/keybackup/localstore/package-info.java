/**
 * The embedded local store: {@link keybackup.localstore.LocalStore}, a
 * {@link keybackup.homeserver.BackupStore} in a directory that applies a homeserver's rules (versions,
 * the current version, count and etag, and the key {@link keybackup.localstore.ReplacementRule}), so every
 * command and workflow runs offline with the same JSON shapes and errors as against a server.
 *
 * <p>Exported: the command line uses it from inside the module, and a library user may want an offline
 * store as much (tests, an air-gapped machine), so it is API rather than internal. It is its own package
 * so that {@code keybackup.homeserver} is the client side only, and a server's rules live in one place.
 *
 * <p>What this package does not do: no trust logic, no decryption; the files hold what was uploaded and
 * every value read back is checked for shape only. Costs do not grow with what is stored, writes are
 * atomic, journaled and locked across processes (the layout and its guarantees: {@code LocalStore}).
 */
package keybackup.localstore;
