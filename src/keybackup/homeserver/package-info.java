/**
 * Where backups are stored: the thin {@link keybackup.homeserver.BackupStore} abstraction, its HTTPS
 * implementation {@link keybackup.homeserver.HomeserverClient} (the Matrix client-server API's
 * {@code /room_keys}, {@code /user/{userId}/account_data} and {@code /keys/query} endpoints;
 * protocol.md §5, §8.1, §9.3) and the offline {@link keybackup.homeserver.LocalStore}, which keeps the same
 * JSON shapes in a directory and applies the server rules (versions, current version, count/etag, and the
 * key {@link keybackup.homeserver.ReplacementRule}).
 *
 * <p>What this package does not do: no trust logic. It never checks signatures, never decides whether a
 * backup's {@code auth_data} or a device is trusted, and never decrypts anything; every value it returns
 * is attacker-controlled data for the {@code trust} and {@code backup} packages to judge. It does not
 * cache, does not sync, and does not log.
 *
 * <p>Security properties: https only (plain http only to loopback literals), redirects never followed,
 * the {@link keybackup.homeserver.AccessToken} never appears in messages or {@code toString}, bounded
 * response sizes, timeouts for connecting and for the headers, an idle timeout for the body (a body
 * that sends nothing for {@link keybackup.homeserver.ClientOptions#bodyIdleTimeout()} fails; there is no
 * limit on the total time of a body that keeps arriving, such as a large key download), incremental
 * parsing of the bulk key download, atomic local writes.
 */
package keybackup.homeserver;
