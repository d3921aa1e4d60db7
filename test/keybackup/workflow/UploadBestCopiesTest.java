package keybackup.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import keybackup.backup.ExportedSession;
import keybackup.backup.FieldNames;
import keybackup.backup.SessionData;
import keybackup.backup.SessionExport;
import keybackup.json.Json;
import keybackup.keys.Ed25519PrivateKey;
import keybackup.trust.KeySource;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** Two copies of one session in an upload: the one that decrypts more (lower index, then fewer forwards) is kept. */
class UploadBestCopiesTest {
    static final String SENDER = "WimPd2udAU/1S/+YBpPbmr9L+0H5H+BnAVHSwDxlPGc";

    static ExportedSession copy(byte[] kpub, int index, int forwards) throws Exception {
        List<Json> chain = new ArrayList<>();
        for (int i = 0; i < forwards; i++) chain.add(Json.of(SENDER));
        SessionData d = SessionData.from(Json.obj("algorithm", Json.of("m.megolm.v1.aes-sha2"), "sender_key", Json.of(SENDER),
                "sender_claimed_keys", Json.obj(), "forwarding_curve25519_key_chain", Json.arr(chain),
                "session_key", Json.of(SessionExport.encode(index, new byte[128], kpub))));
        return new ExportedSession("!r:example.org", d.sessionId(), d);
    }

    /**
     * The copies an upload of {@code sessions} sends, in the order it sends them: pass one {@link BestCopies#offer}s
     * each, pass two sends those {@link BestCopies#take} accepts, then {@link BestCopies#checkAllTaken}, as
     * {@link Upload#select} and {@code UploadPassTwo} do.
     */
    private static List<ExportedSession> sent(List<ExportedSession> sessions) throws WorkflowException {
        BestCopies best = new BestCopies();
        for (ExportedSession s : sessions) best.offer(s);
        List<ExportedSession> out = new ArrayList<>();
        for (ExportedSession s : sessions) {
            if (best.take(s)) out.add(s);
        }
        best.checkAllTaken();
        return out;
    }

    @Test
    void bestCopies_equalCopies_firstOneOnly() throws Exception {
        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate()) {
            ExportedSession a = copy(k.publicKey().bytes(), 3, 1);
            ExportedSession b = copy(k.publicKey().bytes(), 3, 1);
            List<ExportedSession> best = sent(List.of(a, b, a));
            assertEquals(1, best.size());
            assertSame(a, best.get(0));
        }
    }

    @Test
    void run_sessionsChangeBetweenPasses_refused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            String version = Enable.run(f.account(), FieldNames.UNSTABLE).version();
            List<ExportedSession> first = WorkflowFixture.sessions(1, 3, 21);
            List<ExportedSession> second = WorkflowFixture.sessions(1, 3, 22); // other sessions on the second read
            int[] walks = {0};
            Upload.Selection<RuntimeException> sel = Upload.select(v -> {
                for (ExportedSession s : walks[0]++ == 0 ? first : second) v.visit(s);
            });
            assertEquals(3, sel.distinct());

            WorkflowException e = org.junit.jupiter.api.Assertions.assertThrows(WorkflowException.class,
                    () -> Upload.run(f.account(), sel,
                            Upload.Options.of(keybackup.trust.KeySource.OLM).with(keybackup.backup.FieldNames.UNSTABLE)
                                    .withThreads(1).with(WorkflowFixture.SMALL_BATCHES)));
            assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
            assertEquals(0, f.count(version));
        }
    }

    @Test
    void run_sessionMissingOnSecondPass_refused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        try (WorkflowFixture f = WorkflowFixture.open(WorkflowFixture.Backend.LOCAL, dir)) {
            Enable.run(f.account(), FieldNames.UNSTABLE);
            List<ExportedSession> first = WorkflowFixture.sessions(1, 3, 23);
            int[] walks = {0};
            Upload.Selection<RuntimeException> sel = Upload.select(v -> {
                for (ExportedSession s : walks[0]++ == 0 ? first : first.subList(0, 2)) v.visit(s);
            });
            WorkflowException e = org.junit.jupiter.api.Assertions.assertThrows(WorkflowException.class,
                    () -> Upload.run(f.account(), sel,
                            Upload.Options.of(keybackup.trust.KeySource.OLM).with(keybackup.backup.FieldNames.UNSTABLE)
                                    .withThreads(1).with(WorkflowFixture.SMALL_BATCHES)));
            assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
        }
    }

    @Test
    void bestCopies_lowerIndexWins_thenFewerForwards() throws Exception {
        try (Ed25519PrivateKey k = Ed25519PrivateKey.generate(); Ed25519PrivateKey other = Ed25519PrivateKey.generate()) {
            byte[] kpub = k.publicKey().bytes();
            ExportedSession late = copy(kpub, 50, 0);
            ExportedSession early = copy(kpub, 0, 2);
            ExportedSession earlyDirect = copy(kpub, 0, 0);
            ExportedSession unrelated = copy(other.publicKey().bytes(), 7, 0);
            List<ExportedSession> best = new ArrayList<>(
                    sent(List.of(late, unrelated, early, earlyDirect)));
            assertEquals(2, best.size());
            // sent where the chosen copy stands in the input (one pass cannot know an earlier copy is the best)
            assertEquals(unrelated.sessionId(), best.get(0).sessionId());
            assertEquals(0, best.get(1).data().export().firstIndex());
            assertEquals(0, best.get(1).data().forwardingChain().size());
            assertSame(earlyDirect, best.get(1), "on a tie of index and forwards, the first copy");
        }
    }

    @Test
    void take_sameIdsAndRankButOtherContent_isRefusedNotSent() throws Exception {
        ExportedSession s = WorkflowFixture.sessions(1, 1, 1).get(0);
        BestCopies best = new BestCopies();
        best.offer(s);
        ExportedSession altered = new ExportedSession(s.roomId(), s.sessionId(), s.data(), "unauthenticated");
        Assertions.assertThrows(WorkflowException.class, () -> best.take(altered));
        assertTrue(best.take(s), "the copy pass one saw is still sent");
    }
}
