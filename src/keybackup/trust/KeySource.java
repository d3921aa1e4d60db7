package keybackup.trust;

import java.util.List;
import keybackup.backup.ExportedSession;

/**
 * Where a Megolm session key came from; this alone decides the {@code authenticated} flag a writer puts
 * in a signed SessionData (protocol.md §10.5). There is no way to pass a bare boolean.
 *
 * <p>{@code true} for: an Olm-encrypted {@code m.room_key} from the device owning {@code sender_key};
 * a trusted forward (MSC3879: {@code trusted: true} from a verified own device); a session this device
 * created; a backup entry whose verdict was {@code authenticated} on a key the user compared (only
 * obtainable from a verified restore, {@link #fromRestore}). {@code false} for everything else: untrusted forwards,
 * key-export
 * files, unsigned or untrusted backup entries.
 *
 * <p><b>Status never goes up through a file.</b> A file of keys (a restore's output, an export) is the
 * user's, and anyone who can write it can edit it, so nothing written in it is evidence. When entries
 * come from a file, the caller names one source for the whole file and {@link #forEntry} derives each
 * entry's source: the lower of the caller's source and what the entry's recorded verdict
 * ({@code keybackup.verdict}) allows. Only {@code authenticated} allows {@code true}; every other word,
 * known or not, allows only {@code false}. So an entry recorded as {@code unauthenticated} or
 * {@code signed_not_authenticated} stays unauthenticated whatever the caller names, and an entry
 * recorded as {@code authenticated} is re-uploaded as authenticated only if the caller's own source
 * says so (for example {@code olm}); with {@code export} it goes down. The file's word can keep a
 * status the caller's claim allows, never raise one.
 */
public final class KeySource {
    /** Olm m.room_key from the sender. */
    public static final KeySource OLM = new KeySource("olm", true);
    /** Trusted forward from a verified own device (MSC3879). */
    public static final KeySource TRUSTED_FORWARD = new KeySource("trusted-forward", true);
    /** A session this device created. */
    public static final KeySource OWN = new KeySource("own", true);
    /** Forward without the trusted flag. */
    public static final KeySource UNTRUSTED_FORWARD = new KeySource("untrusted-forward", false);
    /** A key export file. */
    public static final KeySource EXPORT = new KeySource("export", false);
    /** An unsigned or untrusted backup entry. */
    public static final KeySource BACKUP_UNAUTHENTICATED = new KeySource("backup-unauthenticated", false);
    /** An authenticated entry of a trusted signed backup. */
    private static final KeySource BACKUP_AUTHENTICATED = new KeySource("backup-authenticated", true);
    /** A file entry whose recorded verdict is not authenticated. */
    private static final KeySource RECORDED_NOT_AUTHENTICATED = new KeySource("recorded-not-authenticated", false);
    /**
     * The one verdict word that lets a file entry keep an authenticated source (SessionVerdict.Authenticated's word).
     */
    private static final String AUTHENTICATED_WORD = "authenticated";

    /** The sources a caller may name (the command line's {@code --source} words). */
    public static final List<KeySource> NAMEABLE = List.of(OLM, TRUSTED_FORWARD, OWN, UNTRUSTED_FORWARD, EXPORT,
            BACKUP_UNAUTHENTICATED);

    private final String name;
    private final boolean authenticated;

    private KeySource(String name, boolean authenticated) {
        this.name = name;
        this.authenticated = authenticated;
    }

    /**
     * Looks up a source a caller may name, such as a {@code --source} word. {@code backup-authenticated} is
     * not nameable: only {@link #fromRestore} gives it.
     *
     * @param name the source's name, e.g. {@code olm} or {@code export}; compared exactly
     * @return the source in {@link #NAMEABLE} called {@code name}, or null when there is none (null for null)
     */
    public static KeySource byName(String name) {
        for (KeySource s : NAMEABLE) {
            if (s.name.equals(name)) return s;
        }
        return null;
    }

    /**
     * The source of a key restored from a backup: authenticated only if its verdict was, and only if that
     * verdict rests on a key the user compared. A backup trusted only through a device taken as the server
     * publishes it ({@link AuthDataTrust.Via#DEVICE_AS_PUBLISHED}) is trusted on the server's word; re-signing
     * its entries as authenticated (a migration) would turn that weaker trust into a full one, without its label.
     * This is the only way to an authenticated backup source, and it takes a verdict only
     * {@link SessionVerifier} can make.
     *
     * @param verdict the verdict the restored session received
     * @return an authenticated source for an {@link SessionVerdict.Authenticated} verdict whose signing key
     *     was vouched for by at least one signer that is not {@link AuthDataTrust.Via#weak()}; else
     *     {@link #BACKUP_UNAUTHENTICATED} (also for null)
     */
    public static KeySource fromRestore(SessionVerdict verdict) {
        return verdict instanceof SessionVerdict.Authenticated a
                && a.signer().onComparedAnchor()
                ? BACKUP_AUTHENTICATED : BACKUP_UNAUTHENTICATED;
    }

    /**
     * The source of one entry read from a file, when the caller names {@code this} source for the file:
     * {@code this} if the entry carries no recorded verdict (a plain export: the caller decides, as
     * before) or if its recorded verdict is {@code authenticated}; otherwise a source whose flag is
     * {@code false}. The result is never more authenticated than {@code this}.
     *
     * @param entry an entry read from a key file; its recorded verdict is only what the file says
     * @return this source, or one whose flag is {@code false}
     * @throws NullPointerException if {@code entry} is null
     */
    public KeySource forEntry(ExportedSession entry) {
        return limitedBy(entry.recordedVerdict());
    }

    /**
     * This source, lowered to what a recorded verdict word allows (null: no recorded verdict, no limit).
     * Only the exact word {@code authenticated} keeps an authenticated source; anything else lowers it.
     *
     * @param recordedVerdict the verdict word a file recorded for an entry, or null when it records none
     * @return this source when it is not authenticated, when {@code recordedVerdict} is null or exactly
     *     {@code authenticated}; else a source whose flag is {@code false}
     */
    public KeySource limitedBy(String recordedVerdict) {
        if (recordedVerdict == null || !authenticated) return this;   // nothing to lower
        if (recordedVerdict.equals(AUTHENTICATED_WORD)) return this;   // keeps the caller's claim, never more
        return RECORDED_NOT_AUTHENTICATED;
    }

    /**
     * Names the source as the command line and messages do.
     *
     * @return the source's name, e.g. {@code trusted-forward}
     */
    public String name() {
        return name;
    }

    /**
     * Gives the flag a writer puts in a signed SessionData for a key from this source.
     *
     * @return the value of the {@code authenticated} flag for keys from this source
     */
    public boolean authenticated() {
        return authenticated;
    }

    @Override
    public String toString() {
        return name;
    }
}
