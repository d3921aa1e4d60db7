package keybackup.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.Locale;
import keybackup.json.Json;
import keybackup.keys.BackupDecryptionKey;
import keybackup.trust.AuthDataTrust;
import keybackup.trust.BackupAudit;
import keybackup.trust.SessionVerifier;
import keybackup.workflow.Account;
import keybackup.workflow.ExportWriter;
import keybackup.workflow.Restore;

/**
 * {@code keybackup restore}: downloads, decrypts and verifies every key of a version and writes them
 * with their verdicts.
 */
final class RestoreCommand implements Command {
    public String name() { return "restore"; }
    public String summary() { return "download, decrypt and verify every key; write them with verdicts"; }
    public String usage() {
        return "keybackup restore STORE-OPTIONS --out FILE [--version V] [--backup-key-file FILE]\n"
                + "                 [--encrypt [--export-passphrase-file "
                + "FILE] [--export-rounds N]] [--json] [--quiet]\n"
                + "Writes the keys of the backup (the current version, or "
                + "V) to FILE in the key-export format, each with its\n"
                + "verdict under \"keybackup.verdict\" (rejected keys are "
                + "not written), and prints a summary. The backup key\n"
                + "comes from Secret Storage, or from --backup-key-file (its recovery key or unpadded base64).\n"
                + "--encrypt writes Element's encrypted export "
                + "(\"-----BEGIN MEGOLM SESSION DATA-----\", what its \"Import E2E room\n"
                + "keys\" reads) with a passphrase from --export-passphrase-file "
                + "FILE (- reads it from stdin) or the\n"
                + "terminal, and N PBKDF2 rounds (default 500000, as Element).\n"
                + "--out - writes the export to stdout (the summary then "
                + "goes to stderr); plaintext keys are not written to a\n"
                + "terminal unless --force-terminal asks for it (then shown escaped, as all terminal output).\n"
                + "--quiet: no progress report on stderr (by default about "
                + "once a second: keys done, of how many, keys per second,\n"
                + "time left; one line rewritten in place on a terminal). "
                + "--json: the result as one JSON object (README:\n"
                + "Output for scripts); not with --out -.\n" + StoreOptions.USAGE;
    }
    public int run(List<String> argv, Io io) throws Exception {
        Args a = new Args(argv, StoreOptions.valued("out", "version", "backup-key-file",
                ExportFiles.PASSPHRASE_OPTION, "export-rounds"),
                StoreOptions.flags("encrypt", "force-terminal", "json", "quiet"));
        String out = a.required("out");
        boolean toStdout = out.equals("-");
        if (toStdout && !a.flag("encrypt") && io.stdoutIsTerminal() && !a.flag("force-terminal")) {
            throw new UsageException("--out -: stdout is a terminal, and the restored room keys are plaintext: "
                    + "redirect stdout to a"
                    + " file or a pipe, use --encrypt, or add --force-terminal to show them");
        }
        Consumer<String> say = toStdout ? io::errln : io::println; // stdout carries the export
        if (toStdout && a.flag("json")) {
            throw new UsageException("--json needs --out FILE: with --out - stdout carries the export");
        }
        String keyFile = a.optional("backup-key-file");
        boolean encrypt = a.flag("encrypt");
        if (!encrypt && (a.optional(ExportFiles.PASSPHRASE_OPTION) != null
                || a.optional("export-rounds") != null)) {
            throw new UsageException("--export-passphrase-file and --export-rounds need --encrypt");
        }
        int rounds = ExportFiles.rounds(a);
        ExportFiles.claimPassphraseStdin(a, io); // before Secret Storage's options read stdin
        Account account = StoreOptions.account(a, StoreOptions.open(a, io), io, keyFile == null);
        Json.Obj info = a.optional("version") != null ? account.store().version(a.optional("version"))
                : account.currentVersion();
        AuthDataTrust trust = account.trust(info);
        Path outPath = Path.of(out);
        if (!toStdout && Files.exists(outPath)) {
            throw new FailedException("--out: file exists, not overwriting it: " + out);
        }
        String version = info.string("version");
        AtomicLong verified = new AtomicLong();
        AtomicLong withheld = new AtomicLong(); // entries left out: they held a piece of the access token
        // Restored session keys are secrets: a new owner-only file of this process, written under a
        // temporary name and renamed into place only when the restore finished, so a failed or interrupted
        // run never leaves a file that looks like a complete export (and removes its plaintext keys).
        // The export passphrase is asked for (after Secret Storage's, when both are typed) before OUT.partial
        // exists: a Ctrl-C at the prompt runs no interrupt hook and would leave the partial file behind. The
        // interrupt hook is registered right after the file exists, before the passphrase's key derivation.
        // A leftover partial file is reported before the prompt: nothing is typed for a run that cannot start.
        if (!toStdout) PartialFile.requireNone("--out", outPath);
        try (BackupDecryptionKey key = keyFile != null
                ? BackupDecryptionKey.fromKeyFileText(io.readKeyText("--backup-key-file", keyFile))
                : Restore.keyFromSecretStorage(account)) {
            char[] pass = encrypt ? ExportFiles.passphrase(a, true, io) : null;
            try (PartialFile partial = toStdout ? null : PartialFile.create("--out", outPath)) {
                return Interrupts.during(io, () -> partial != null && partial.committed()
                        ? List.of("interrupted after " + out + " was written in full (" + verified.get() + " keys were "
                                + "verified); nothing is left to do")
                        : interrupted(io, version, verified.get(), partial != null && partial.discard()
                                ? partial.path() : null, out, argv), () -> {
                    // The encrypted armour comes a 72-byte line at a time: gathered here, it reaches stdout or the
                    // file in large writes, not in two system calls a line.
                    OutputStream file = new BufferedOutputStream(toStdout ? io.fileStdout() : partial.stream(),
                            1 << 16);
                    OutputStream sink;
                    try {
                        sink = encrypt ? ExportFiles.encrypting(file, pass, rounds) : file;
                    } finally {
                        if (pass != null) Arrays.fill(pass, '\0');
                    }
                    BackupAudit audit;
                    long written;
                    // Closed only after every key was written: close() adds the closing bracket and, when encrypted,
                    // the MAC and the footer. A failed run leaves them out, so what already went to stdout is visibly
                    // incomplete (not JSON, not an importable export) instead of a shorter export that looks whole;
                    // a file is removed by PartialFile either way.
                    ExportWriter writer = new ExportWriter(new BufferedOutputStream(sink));
                    {
                        long count = info.get("count") instanceof Json.Int n ? n.value() : -1;
                        // no report between the keys on the screen
                        boolean quiet = a.flag("quiet") || toStdout && io.stdoutIsTerminal();
                        Restore.Options options = Restore.Options.DEFAULT.withThreads(StoreOptions.threads(a))
                                .withProgress(Progress.of(io, quiet, name(), count));
                        try {
                            audit = Restore.run(account, trust, key, options, r -> {
                                byte[] entry = ExportWriter.entry(r); // null: no session data, nothing written
                                if (entry != null && echoesToken(io, r, entry)) withheld.incrementAndGet();
                                else if (entry != null) writer.writeEntry(entry);
                                verified.incrementAndGet(); // the sink is called under Restore's lock
                            });
                        } catch (IOException e) { // writing the export failed: the words it always had
                            flushQuietly(file);
                            throw new FailedException("restore stopped: " + e.getMessage());
                        } catch (Exception e) {
                            flushQuietly(file); // what was written goes out, visibly incomplete, as it came
                            throw e;
                        }
                        written = writer.written();
                        writer.close();
                    }
                    if (partial != null) partial.commit("--out");
                    if (withheld.get() > 0) {
                        String w = withheld.get() + " keys not written: their room id, session id or session data "
                                + "holds a piece of the access token (the server echoed it), which is never written";
                        if (a.flag("json")) io.errln("keybackup: warning: " + w);
                        else say.accept("WARNING: " + w);
                    }
                    if (a.flag("json")) {
                        io.printCanonical(JsonOutput.restore(version, audit, out, encrypt, rounds, written,
                                withheld.get()));
                        return 0;
                    }
                    say.accept("version " + AuditTable.printable(version) + ": auth_data " + AuditTable.decision(trust)
                            + ", signing key " + (trust.usableSigningKey().isPresent() ? "usable" : "not usable ("
                            + trust.reason().wire() + ")"));
                    say.accept(String.format(Locale.ROOT, "restored %d of %d keys to %s"
                            + (encrypt ? " (encrypted, " + rounds + " rounds)" : "")
                            + ": %d authenticated, %d signed_not_authenticated, %d unauthenticated; %d rejected (not "
                            + "written)",
                            written, audit.total(), toStdout ? "stdout" : out, audit.authenticated(),
                                    audit.signedNotAuthenticated(), audit.unauthenticated(), audit.rejected()));
                    if (audit.unsignedInSignedBackup() > 0) {
                        say.accept("WARNING: " + audit.unsignedInSignedBackup()
                                + " unsigned keys in a signed backup: written by someone holding only the backup "
                                + "public key?");
                    }
                    return 0;
                });
            } finally {
                if (pass != null) Arrays.fill(pass, '\0');
            }
        }
    }

    /** Writes out what {@code file} holds after a failure; one that fails too is already reported by that. */
    private static void flushQuietly(OutputStream file) {
        try {
            file.flush();
        } catch (IOException e) {
            // the restore's own failure is the one reported
        }
    }

    /**
     * Whether the export entry of {@code r} would carry a piece of the access token ({@link Io#holdsToken}): its
     * room id, its session id, anything in its decrypted session data, or the bytes written for it,
     * {@code entry} ({@link ExportWriter#entry}). Such an entry is not written. The written bytes hold pieces that
     * no decoded string holds: the letter of an escape ({@code \}{@code n} for a newline, {@code \}{@code u0001})
     * completing 7 characters after a control, the digits of a number, a piece across member names, values and
     * the punctuation between them. The decoded strings hold a piece the bytes show escaped only when the token
     * has a quote or a backslash (canonical JSON writes every other visible ASCII character as it is): only then
     * are they walked too, which saves a second pass over each entry.
     *
     * <p>Why here, and why leave it out rather than redact it: the export goes to a file or a pipe as exact bytes
     * (an importer must see each key's ids as the backup holds them), so it cannot be redacted as printed text is:
     * a room id with {@code [redacted]} in it is another room's, a key filed under it would be lost to its room. An
     * honest server never sends the token back, so honest data keeps its exact bytes; an entry that holds it is
     * the server's echo and is refused. This is the one place that sees everything an entry holds together with
     * the token: the homeserver client sees the room and session ids but not the decrypted session data, which
     * the server can write too (the backup's public key is no secret), and the local store has no token at all.
     * On a terminal the rule is the same, so what a file, a pipe or a screen gets never differs in which keys.
     */
    static boolean echoesToken(Io io, SessionVerifier.Result r, byte[] entry) {
        if (r.sessionData() == null) return false; // not written anyway
        if (io.holdsToken(entry)) return true;
        return io.tokenHasJsonEscapedCharacter() && (io.holdsToken(Json.of(r.roomId()))
                || io.holdsToken(Json.of(r.sessionId())) || io.holdsToken(r.sessionData().json()));
    }

    /**
     * What a restore of {@code version} to {@code out} says when it is interrupted before its file was complete.
     *
     * @param removed the partial file the interrupt removed, or null
     */
    static List<String> interrupted(Io io, String version, long verified, Path removed, String out,
                                    List<String> argv) {
        return List.of("interrupted: the restore of version " + version + " stopped after " + verified
                + " keys were verified; " + (removed != null ? "its partial file " + removed
                + " (plaintext keys) was removed; " : "") + (out.equals("-")
                ? "the export it wrote to stdout may stop short of its end (it holds plaintext keys): do not keep it"
                : out + " was not written"),
                "to go on, " + Interrupts.sameCommandAgain(io) + ": " + Interrupts.commandLine("restore", argv));
    }
}
