package keybackup.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import keybackup.homeserver.BackupStore;
import keybackup.homeserver.StoreException;
import keybackup.json.Json;

/**
 * A {@link BackupStore} for the benchmark: versions, account data and identity come from {@code base}
 * (a LocalStore holding the real setup); {@code streamKeys} and {@code putKeys} go to {@code keys}
 * (a generator, or an HTTP client), or with {@code keys == null} keys are generated in memory and
 * uploads are counted and dropped.
 */
final class BenchStore implements BackupStore {
    /** Streams the keys of the bench backup. */
    @FunctionalInterface
    interface Source {
        void stream(KeyVisitor visitor) throws StoreException;
    }

    private final BackupStore base;
    private final Source source;
    private final BackupStore keys;
    final LongAdder putSessions = new LongAdder();
    final LongAdder putRequests = new LongAdder();
    /** When set, every uploaded {@code rooms} object is kept here (for building fixtures). */
    volatile List<Json.Obj> capture;

    /** Keys from {@code source}; uploads counted and dropped. */
    BenchStore(BackupStore base, Source source) {
        this.base = base;
        this.source = source;
        this.keys = null;
    }

    /** Keys read from and written to {@code keys} (for example a HomeserverClient). */
    BenchStore(BackupStore base, BackupStore keys) {
        this.base = base;
        this.source = null;
        this.keys = keys;
    }

    @Override public String userId() { return base.userId(); }
    @Override public String createVersion(String algorithm,
            Json.Obj authData) throws StoreException { return base.createVersion(algorithm, authData); }
    @Override public Optional<Json.Obj> currentVersion() throws StoreException { return base.currentVersion(); }
    @Override public Json.Obj version(String version) throws StoreException { return base.version(version); }
    @Override public void deleteVersion(String version) throws StoreException { base.deleteVersion(version); }

    @Override
    public Json.Obj putKeys(String version, Json.Obj rooms) throws StoreException {
        putRequests.increment();
        for (Map.Entry<String, Json> r : rooms.members().entrySet()) {
            putSessions.add(((Json.Obj) r.getValue()).object("sessions").members().size());
        }
        List<Json.Obj> c = capture;
        if (c != null) {
            synchronized (c) {
                c.add(rooms);
            }
        }
        if (keys != null) return keys.putKeys(version, rooms);
        return Json.obj("count", Json.of(putSessions.sum()), "etag", Json.of("0"));
    }


    @Override
    public void streamKeys(String version, KeyVisitor visitor) throws StoreException {
        if (keys != null) keys.streamKeys(version, visitor);
        else source.stream(visitor);
    }

    @Override public Optional<Json.Obj> getAccountData(String type) throws StoreException { return base.getAccountData(type); }
    @Override public void putAccountData(String type,
            Json.Obj content) throws StoreException { base.putAccountData(type, content); }
    @Override public String whoami() throws StoreException { return base.whoami(); }
    @Override public Json.Obj queryOwnKeys() throws StoreException { return base.queryOwnKeys(); }
}
