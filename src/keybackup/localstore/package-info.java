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
 *
 * <p>Permissions: the store holds key backups and account data, for its owner only. Every directory it
 * creates is {@code rwx------} and every file {@code rw-------} on a POSIX file system (given at creation, so
 * the umask cannot widen it). An existing store directory that the group or others have any permission on is
 * narrowed to its owner's bits rather than refused: pointing {@code --store} at a directory made with the
 * default umask is the common case, and the careful outcome is a private store, not an error to fix by hand
 * (files of an older store inside it are then out of others' reach too). {@code open} does that where it can
 * (a store on read-only media still opens for reading); every write does it first under the write lock and
 * fails, saying to run {@code chmod go=}, when it cannot. The lock file and the temporary files are never
 * opened through a symbolic link (a temporary file is created new; one found in its place is removed).
 *
 * <p>Files, one job each (all but the two public classes are package-private):
 * <ul>
 * <li>{@code LocalStore}: the public API, the {@code BackupStore} methods; takes the write lock for each write.
 * <li>{@code ReplacementRule}: which uploaded key replaces a stored one, and the shape a key must have.
 * <li>{@code StoreLock}: the write lock (one per directory in the JVM, plus an OS lock on {@code write.lock}).
 * <li>{@code Journal}: the redo journal {@code journal.json}: written and fsynced before a change of keys,
 *     replayed when the lock is taken after a crash.
 * <li>{@code VersionFiles}: {@code info.json}, {@code state.json} and tombstones, and a server's version rules.
 * <li>{@code KeyFiles}: the key files: content, checks on read, streaming, and the writes of keys.
 * <li>{@code LocalLayout}: paths, version numbers, key shards and the layout marker {@code store.json}.
 * <li>{@code OldLayout}: the conversion of layout 1 (a file per room) to layout 2 (a file per key).
 * <li>{@code LocalFiles}: safe file names, atomic fsynced writes and deletes, strict JSON reads.
 * </ul>
 */
package keybackup.localstore;
